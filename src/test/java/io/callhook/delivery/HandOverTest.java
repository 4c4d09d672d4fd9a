package io.callhook.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;

import io.callhook.testing.Databases;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hand-off from dispatch to the outboxes, in real Camel routes with seda outboxes. A copy of an exchange
 * shares its unit of work, and a seda producer hands that unit's completion tasks over to what it queues:
 * the dispatch's "free the claims it did not queue" check travelled with the first send and ran when that
 * send finished, before dispatch had queued the second one, whose claim it then gave back while the send
 * went ahead (CI: CallRoutingTest, email left PENDING; in service, recovery would send it a second time).
 */
class HandOverTest {

    final JdbcDataSource database = Databases.h2("handover");
    final JdbcTemplate jdbc = new JdbcTemplate(database);
    final CamelContext camel = new DefaultCamelContext();
    final ProducerTemplate producer = camel.createProducerTemplate();

    @AfterEach
    void stop() throws Exception {
        camel.close();
    }

    @Test
    void aSendThatFinishesBeforeTheNextIsQueuedDoesNotFreeTheNextOnesClaim() throws Exception {
        NotifyBuilder slackDone =
                new NotifyBuilder(camel).from("seda:slack").whenDone(1).create();
        AtomicBoolean slackFinishedFirst = new AtomicBoolean();
        DeliveryLedger ledger = start((name, send) -> {
            producer.send("seda:" + name, send);
            if (name.equals("slack")) {
                // the first send is over, completion tasks and all, before the next one is queued
                slackFinishedFirst.set(slackDone.matches(5, TimeUnit.SECONDS));
            }
            return true;
        });

        Exchange dispatch = dispatch("evt-handover-1");

        assertThat(dispatch.getException()).isNull();
        assertThat(slackFinishedFirst)
                .as("slack's send ended before email's was queued")
                .isTrue();
        // with its claim given back, the email would stay PENDING (its SENT refused) until recovery sent it again
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        assertThat(statuses("evt-handover-1")).isEqualTo(Map.of("slack", "SENT", "email", "SENT")));
        assertThat(ledger.claimsHeld()).isZero();
    }

    @Test
    void aClaimTheDispatchCouldNotQueueIsFreedWhenTheDispatchEnds() throws Exception {
        DeliveryLedger ledger = start((name, send) -> {
            if (name.equals("email")) {
                throw new IllegalStateException("email's outbox is gone");
            }
            producer.send("seda:" + name, send);
            return true;
        });

        Exchange dispatch = dispatch("evt-handover-2");

        assertThat(dispatch.getException()).hasMessageContaining("email's outbox is gone");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        assertThat(statuses("evt-handover-2")).isEqualTo(Map.of("slack", "SENT", "email", "PENDING")));
        assertThat(jdbc.queryForObject(
                        "SELECT lease_token FROM call_delivery WHERE delivery_id = 'evt-handover-2' AND channel = 'email'",
                        String.class))
                .as("free for recovery")
                .isNull();
        assertThat(ledger.claimsHeld()).isZero();
    }

    /**
     * A ledger whose destinations slack and email queue through the outboxes given, dispatch as
     * call-routing.camel.yaml does it, and each outbox as channel.camel.yaml has it: the send takes its claim,
     * then records SENT.
     */
    DeliveryLedger start(BiPredicate<String, Exchange> outboxes) throws Exception {
        DeliveryLedger ledger =
                Ledgers.ledger(database, "handover", Clock.systemUTC(), Set.of("slack", "email"), outboxes);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:dispatch").bean(ledger, "plan").bean(ledger, "handOver");
                from("seda:slack").bean(ledger, "sending").bean(ledger, "sent");
                from("seda:email").bean(ledger, "sending").bean(ledger, "sent");
            }
        });
        camel.start();
        return ledger;
    }

    /** The event stored as intake stores it, then dispatched to slack and email. */
    Exchange dispatch(String deliveryId) {
        Ledgers.store(jdbc, deliveryId);
        return producer.send("direct:dispatch", exchange -> {
            exchange.setProperty("deliveryId", deliveryId);
            exchange.setVariable("channels", "slack,email");
            exchange.getMessage().setBody(Map.of());
        });
    }

    Map<String, String> statuses(String deliveryId) {
        Map<String, String> statuses = new TreeMap<>();
        jdbc.query(
                "SELECT channel, status FROM call_delivery WHERE delivery_id = ?",
                row -> {
                    statuses.put(row.getString(1), row.getString(2));
                },
                deliveryId);
        return statuses;
    }
}
