package io.callhook.db;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PostgresBatchInsertsTest {

    private final PostgresBatchInserts processor = new PostgresBatchInserts();

    @Test
    void aPostgresPoolSendsBatchesAsMultiRowInserts() {
        HikariDataSource pool = pool("jdbc:postgresql://db.example:5432/callhook");

        processor.postProcessAfterInitialization(pool, "dataSource");

        assertThat(pool.getDataSourceProperties()).containsEntry("reWriteBatchedInserts", "true");
    }

    @Test
    void anOperatorsOwnChoiceInTheUrlOrThePropertiesIsKept() {
        HikariDataSource inUrl = pool("jdbc:postgresql://db.example:5432/callhook?reWriteBatchedInserts=false");
        HikariDataSource inProperties = pool("jdbc:postgresql://db.example:5432/callhook");
        inProperties.addDataSourceProperty("reWriteBatchedInserts", "false");

        processor.postProcessAfterInitialization(inUrl, "dataSource");
        processor.postProcessAfterInitialization(inProperties, "dataSource");

        assertThat(inUrl.getDataSourceProperties()).doesNotContainKey("reWriteBatchedInserts");
        assertThat(inProperties.getDataSourceProperties()).containsEntry("reWriteBatchedInserts", "false");
    }

    @Test
    void anH2PoolIsLeftAlone() {
        HikariDataSource pool = pool("jdbc:h2:file:./data/callhook");

        processor.postProcessAfterInitialization(pool, "dataSource");

        assertThat(pool.getDataSourceProperties()).isEmpty();
    }

    private static HikariDataSource pool(String url) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(url);
        return pool;
    }
}
