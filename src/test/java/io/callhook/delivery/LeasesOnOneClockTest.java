package io.callhook.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Set;

import io.callhook.db.DatabaseClock;
import io.callhook.testing.Databases;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances on one database, one of them on a host whose clock runs five minutes ahead. Claims are set
 * and compared on the database's clock, so the fast instance does not see the other's live claim as expired
 * (and would otherwise send the same delivery a second time).
 */
class LeasesOnOneClockTest {

    final JdbcDataSource database = Databases.h2("leases");
    final JdbcTemplate jdbc = new JdbcTemplate(database);
    final DeliveryProperties properties = Ledgers.PROPERTIES;

    @Test
    void anInstanceWhoseClockRunsAheadDoesNotTakeALiveClaim() {
        DeliveryLedger onTime = ledger("on-time", Clock.systemUTC());
        DeliveryLedger ahead = ledger("ahead", Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5)));
        store("evt-clock-1");

        Exchange dispatch = dispatch("evt-clock-1");
        onTime.plan(dispatch);
        assertThat(dispatch.getVariable("leases", Map.class)).containsOnlyKeys("slack");

        assertThat(ahead.holdForRecovery("evt-clock-1", properties.grace()))
                .as("the fast instance's recovery sets the live claim aside")
                .isFalse();
        Exchange second = dispatch("evt-clock-1");
        ahead.plan(second);
        assertThat(second.getVariable("leases", Map.class))
                .as("the fast instance claims it for itself")
                .isEmpty();
        assertThat(jdbc.queryForObject(
                        "SELECT lease_owner FROM call_delivery WHERE delivery_id = 'evt-clock-1'", String.class))
                .isEqualTo("on-time");
    }

    @Test
    void receivedAndLeaseTimesAreTheDatabasesWhateverTheHostsClockSays() {
        DatabaseClock behind = new DatabaseClock(jdbc, Clock.offset(Clock.systemUTC(), Duration.ofHours(-3)));
        OffsetDateTime database = jdbc.queryForObject("SELECT CURRENT_TIMESTAMP", OffsetDateTime.class);

        assertThat(Duration.between(database, behind.now()).abs()).isLessThan(Duration.ofSeconds(2));
    }

    DeliveryLedger ledger(String instance, Clock clock) {
        return Ledgers.ledger(database, instance, clock, Set.of("slack"), (name, send) -> true);
    }

    void store(String deliveryId) {
        Ledgers.store(jdbc, deliveryId);
    }

    static Exchange dispatch(String deliveryId) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty("deliveryId", deliveryId);
        exchange.setVariable("channels", "slack");
        exchange.getMessage().setBody(Map.of());
        return exchange;
    }
}
