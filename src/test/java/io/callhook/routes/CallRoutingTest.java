package io.callhook.routes;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import io.callhook.testing.Samples;
import org.apache.camel.CamelContext;
import org.apache.camel.EndpointInject;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The default routing table and the shipped destinations, with each destination's post swapped for a
 * mock: which destinations each kind of event gets, the message each would send, and what is recorded for
 * the destinations it does not get.
 */
@CamelSpringBootTest
@SpringBootTest(
        properties = {
            "spring.datasource.url=jdbc:h2:mem:call-routing;DB_CLOSE_DELAY=-1",
            "callhook.slack.webhook-url=http://127.0.0.1:9/never-called",
            "callhook.mail.host=127.0.0.1",
            "callhook.mail.from=callhook@example.com",
            "callhook.mail.to=ops@example.com"
        })
@UseAdviceWith
class CallRoutingTest {

    @Autowired
    CamelContext camel;

    @Autowired
    ProducerTemplate producer;

    @Autowired
    JdbcTemplate jdbc;

    @Value("${callhook.dispatch.uri}")
    String dispatch;

    @EndpointInject("mock:slack")
    MockEndpoint slack;

    @EndpointInject("mock:slack-alerts")
    MockEndpoint alerts;

    @EndpointInject("mock:email")
    MockEndpoint email;

    @BeforeEach
    void sendsAreMocks() throws Exception {
        if (!camel.isStarted()) {
            for (String destination : new String[] {"slack", "slack-alerts", "email"}) {
                AdviceWith.adviceWith(
                        camel,
                        destination,
                        // the send step posts and records SENT: the mock stands in for the post
                        route -> route.weaveByToString(".*ref:sends method:send.*")
                                .replace()
                                .to("mock:" + destination)
                                .bean("deliveries", "sent"));
            }
            camel.start();
        }
        MockEndpoint.resetMocks(camel);
    }

    @Test
    void successfulCallGoesToTheTeamWebhookAndEmail() throws Exception {
        Samples call = dispatch("call-ended");

        awaitReceived(1, 0, 1);

        assertThat(slackText(slack)).isEqualTo("Successful call with John Doe");
        assertThat(email.getReceivedExchanges().get(0).getMessage().getHeader("Subject", String.class))
                .contains("Successful", "John Doe");
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(deliveries(call.id()))
                        .isEqualTo(Map.of(
                                "slack", "SENT", "email", "SENT", "forward", "SKIPPED", "slack-alerts", "SKIPPED")));
        assertThat(lastError(call.id(), "forward"))
                .isEqualTo("forward is off: callhook.forward.url (CALLHOOK_FORWARD_URL) is not set");
    }

    @Test
    void unsuccessfulCallGoesToTheAlertsWebhookAndEmail() throws Exception {
        dispatch("call-ended-unsuccessful");

        awaitReceived(0, 1, 1);

        assertThat(slackText(alerts)).contains("Jane Roe", "customer_hangup");
    }

    @Test
    void callWithUnknownOutcomeGoesToTheTeamOnlyAndEmailIsSkipped() throws Exception {
        Samples call = dispatch("call-ended-unknown-outcome");

        awaitReceived(1, 0, 0);
        assertThat(slackText(slack)).isEqualTo("Call with +1234567890 ended, outcome unknown");
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(deliveries(call.id()))
                        .isEqualTo(Map.of(
                                "slack", "SENT", "email", "SKIPPED", "forward", "SKIPPED", "slack-alerts", "SKIPPED")));
        assertThat(lastError(call.id(), "email")).isEqualTo("not chosen by the routes");
    }

    @Test
    void otherEventsReachNoDestinationAndTheOnesThatAreOnAreSkipped() {
        Samples appointment = dispatch("appointment-created");

        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(deliveries(appointment.id()))
                        .isEqualTo(Map.of("slack", "SKIPPED", "slack-alerts", "SKIPPED", "email", "SKIPPED")));
        assertThat(slack.getReceivedCounter() + alerts.getReceivedCounter() + email.getReceivedCounter())
                .isZero();
        assertThat(lastError(appointment.id(), "slack")).isEqualTo("not chosen by the routes");
    }

    static String slackText(MockEndpoint destination) throws Exception {
        return Samples.JSON
                .readTree(destination.getReceivedExchanges().get(0).getMessage().getBody(String.class))
                .get("text")
                .asText();
    }

    String lastError(String deliveryId, String channel) {
        return jdbc.queryForObject(
                "SELECT last_error FROM call_delivery WHERE delivery_id = ? AND channel = ?",
                String.class,
                deliveryId,
                channel);
    }

    void awaitReceived(int team, int alertsMessages, int emails) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(slack.getReceivedCounter()).isEqualTo(team);
            assertThat(alerts.getReceivedCounter()).isEqualTo(alertsMessages);
            assertThat(email.getReceivedCounter()).isEqualTo(emails);
        });
    }

    /** As intake does: the audit row first, then the payload on the dispatch queue. */
    Samples dispatch(String sample) {
        Samples event = Samples.of(sample);
        jdbc.update(
                "INSERT INTO call_audit (delivery_id, event, received_at, payload) VALUES (?, ?, CURRENT_TIMESTAMP, ?)",
                event.id(),
                event.envelope().get("event").asText(),
                event.json());
        producer.sendBodyAndHeader(dispatch, event.json(), "CallhookDeliveryId", event.id());
        return event;
    }

    Map<String, String> deliveries(String deliveryId) {
        return jdbc.queryForList("SELECT channel, status FROM call_delivery WHERE delivery_id = ?", deliveryId).stream()
                .collect(Collectors.toMap(r -> (String) r.get("channel"), r -> (String) r.get("status")));
    }
}
