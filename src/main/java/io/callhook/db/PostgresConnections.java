package io.callhook.db;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * The PostgreSQL driver's settings that callhook depends on, unless the URL or the datasource properties set
 * them otherwise:
 *
 * <ul>
 *   <li>{@code reWriteBatchedInserts}: a group commit's rows go to the server as a few multi-row inserts
 *       instead of one statement each (in 10 s windows at 32 connections, about 4% more webhooks a second);
 *   <li>{@code connectTimeout} and {@code loginTimeout}: a server that does not answer fails a new connection
 *       within seconds;
 *   <li>{@code socketTimeout} ({@code callhook.database.socket-timeout}): a connection whose server is gone
 *       for good (a failover to another host, a partition that drops packets) fails its statement after this
 *       long instead of the kernel's TCP timeout, about 15 minutes, during which the audit writer, and every
 *       webhook waiting on it, would be stuck; the pool then replaces the connection. Longer than any
 *       statement callhook runs, which are bounded by {@code spring.jdbc.template.query-timeout} and the
 *       audit commit timeout; a migration on a very large table may need it raised (0: no limit) for one
 *       start;
 *   <li>{@code tcpKeepAlive}: an idle connection to a dead host is noticed.
 * </ul>
 */
@Component
class PostgresConnections implements BeanPostProcessor {

    static final String BATCH_INSERTS = "reWriteBatchedInserts";

    private final Duration socketTimeout;

    PostgresConnections(@Value("${callhook.database.socket-timeout}") Duration socketTimeout) {
        this.socketTimeout = socketTimeout;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        // the pool opens its connections later, at the first use: its driver properties can still change
        if (bean instanceof HikariDataSource pool
                && pool.getJdbcUrl() != null
                && pool.getJdbcUrl().startsWith("jdbc:postgresql:")) {
            settings().forEach((name, value) -> {
                if (!pool.getJdbcUrl().contains(name)
                        && !pool.getDataSourceProperties().containsKey(name)) {
                    pool.addDataSourceProperty(name, value);
                }
            });
        }
        return bean;
    }

    private Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(BATCH_INSERTS, "true");
        settings.put("connectTimeout", "5");
        settings.put("loginTimeout", "10");
        settings.put("socketTimeout", Long.toString(socketTimeout.toSeconds()));
        settings.put("tcpKeepAlive", "true");
        return settings;
    }
}
