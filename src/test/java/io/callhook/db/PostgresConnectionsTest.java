package io.callhook.db;

import java.time.Duration;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PostgresConnectionsTest {

    private final PostgresConnections processor = new PostgresConnections(Duration.ofSeconds(30));

    @Test
    void aPostgresPoolBatchesInsertsAndBoundsEveryWaitOnTheServer() {
        HikariDataSource pool = pool("jdbc:postgresql://db.example:5432/callhook");

        processor.postProcessAfterInitialization(pool, "dataSource");

        assertThat(pool.getDataSourceProperties())
                .containsEntry("reWriteBatchedInserts", "true")
                .containsEntry("connectTimeout", "5")
                .containsEntry("loginTimeout", "10")
                .containsEntry("socketTimeout", "30")
                .containsEntry("tcpKeepAlive", "true");
    }

    @Test
    void anOperatorsOwnChoiceInTheUrlOrThePropertiesIsKept() {
        HikariDataSource inUrl = pool("jdbc:postgresql://db.example:5432/callhook?reWriteBatchedInserts=false");
        HikariDataSource inProperties = pool("jdbc:postgresql://db.example:5432/callhook?socketTimeout=0");
        inProperties.addDataSourceProperty("reWriteBatchedInserts", "false");

        processor.postProcessAfterInitialization(inUrl, "dataSource");
        processor.postProcessAfterInitialization(inProperties, "dataSource");

        assertThat(inUrl.getDataSourceProperties()).doesNotContainKey("reWriteBatchedInserts");
        assertThat(inProperties.getDataSourceProperties())
                .containsEntry("reWriteBatchedInserts", "false")
                .doesNotContainKey("socketTimeout");
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
