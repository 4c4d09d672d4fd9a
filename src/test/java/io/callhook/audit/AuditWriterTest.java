package io.callhook.audit;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import javax.sql.DataSource;

import io.callhook.db.Database;
import io.callhook.db.DatabaseClock;
import io.callhook.testing.Databases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.actuate.health.Status;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The audit writer is one thread that every webhook waits on. An Error on it must not end it while
 * readiness says UP, and a writer stuck on a database that does not answer must show in its health.
 */
class AuditWriterTest {

    final JdbcDataSource h2 = Databases.h2("writer");
    final Faults database = new Faults(h2);
    final AuditLog log = new AuditLog(
            database,
            new Database(h2),
            new DatabaseClock(new JdbcTemplate(h2), Clock.systemUTC()),
            new SimpleMeterRegistry(),
            new AuditProperties(200, Duration.ofMillis(500), Duration.ofSeconds(1), false),
            new DefaultListableBeanFactory().getBeanProvider(AuditLog.Committed.class));

    @AfterEach
    void stop() {
        database.release.countDown();
        log.stop();
    }

    @Test
    void anErrorOnTheWriterFailsItsBatchButNotTheWriter() throws Exception {
        log.start();
        database.error = new AssertionError("injected: an Error thrown while storing a batch");

        assertThatThrownBy(() -> append("evt-error")).hasMessageContaining("injected");
        database.error = null;

        assertThat(append("evt-after-the-error")).isEqualTo("false");
        assertThat(log.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void aWriterStuckOnOneCommitIsReportedDown() {
        log.start();
        database.hang = true;
        CompletableFuture.runAsync(() -> {
            try {
                append("evt-stuck");
            } catch (Exception expected) {
                // answered 503 after the commit timeout
            }
        });

        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(log.health().getStatus()).isEqualTo(Status.DOWN));
        assertThat(log.health().getDetails().get("writer").toString()).startsWith("stuck on one commit");

        database.release.countDown();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(log.health().getStatus()).isEqualTo(Status.UP));
    }

    String append(String id) throws Exception {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setVariable("auditRow", AuditJournalTest.row(id));
        exchange.setVariable("deliveries", AuditJournalTest.DECIDED);
        log.store(exchange);
        return exchange.getVariable("duplicate", String.class);
    }

    /** A data source that throws an Error, or hangs until released, when the test says so. */
    static final class Faults implements DataSource {
        final DataSource database;
        final CountDownLatch release = new CountDownLatch(1);
        volatile Error error;
        volatile boolean hang;

        Faults(DataSource database) {
            this.database = database;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (error != null) {
                throw error;
            }
            if (hang) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                hang = false;
            }
            return database.getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }
}
