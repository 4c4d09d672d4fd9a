package io.callhook.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;

import io.callhook.db.Database;
import io.callhook.db.DatabaseClock;
import io.callhook.db.InstanceId;
import io.callhook.metrics.CallhookMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.Exchange;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** A DeliveryLedger wired by hand, as Spring wires it, for the tests of this package. */
final class Ledgers {

    static final DeliveryProperties PROPERTIES = new DeliveryProperties(Duration.ofSeconds(90), Duration.ofSeconds(30));

    private Ledgers() {}

    /** The ledger of one instance, on the clock given, with destinations that are all on and queue as told. */
    static DeliveryLedger ledger(
            JdbcDataSource database,
            String instance,
            Clock clock,
            Set<String> destinations,
            BiPredicate<String, Exchange> queue) {
        JdbcTemplate jdbc = new JdbcTemplate(database);
        Channels channels = new Channels() {
            @Override
            public Set<String> names() {
                return destinations;
            }

            @Override
            public Optional<String> offReason(String name) {
                return Optional.empty();
            }

            @Override
            public boolean queue(String name, Exchange send) {
                return queue.test(name, send);
            }

            @Override
            public String mask(String text) {
                return text;
            }
        };
        return new DeliveryLedger(
                jdbc,
                new TransactionTemplate(new DataSourceTransactionManager(database)),
                PROPERTIES,
                channels,
                new CallhookMetrics(new SimpleMeterRegistry()),
                new Database(database),
                new DatabaseClock(jdbc, clock),
                new InstanceId(instance, 8080));
    }

    /** An event as intake leaves it: its audit row, and owed to dispatch. */
    static void store(JdbcTemplate jdbc, String deliveryId) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        jdbc.update(
                "INSERT INTO call_audit (delivery_id, event, received_at, payload) VALUES (?, 'call.ended', ?, '{}')",
                deliveryId,
                now);
        jdbc.update("INSERT INTO dispatch_outbox (delivery_id, received_at) VALUES (?, ?)", deliveryId, now);
    }
}
