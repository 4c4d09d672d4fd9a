package io.callhook.db;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * On PostgreSQL, has the driver send a batch of inserts as multi-row {@code INSERT … VALUES (…), (…)}
 * ({@code reWriteBatchedInserts}): a group commit of audit rows is then a few statements for the server
 * instead of one per row (in 10 s windows at 32 connections, about 4% more webhooks a second: within the
 * noise, not worse). A URL or datasource property that sets the option itself is left as it is.
 */
@Component
class PostgresBatchInserts implements BeanPostProcessor {

    static final String OPTION = "reWriteBatchedInserts";

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        // the pool opens its connections later, at the first use: its driver properties can still change
        if (bean instanceof HikariDataSource pool
                && pool.getJdbcUrl() != null
                && pool.getJdbcUrl().startsWith("jdbc:postgresql:")
                && !pool.getJdbcUrl().contains(OPTION)
                && !pool.getDataSourceProperties().containsKey(OPTION)) {
            pool.addDataSourceProperty(OPTION, "true");
        }
        return bean;
    }
}
