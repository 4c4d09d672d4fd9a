package io.callhook.routes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.callhook.testing.Samples;
import org.apache.camel.CamelContext;
import org.apache.camel.EndpointInject;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The default routing table and the shipped destinations through the real intake route (fed directly, not over
 * HTTP) and the real channel routes, with each destination's endpoint swapped for a mock by its URI: which
 * destinations each kind of event gets, the message each would send, and what is recorded for the
 * destinations it does not get.
 */
@CamelSpringBootTest
@SpringBootTest(
        properties = {
            "spring.datasource.url=jdbc:h2:mem:call-routing;DB_CLOSE_DELAY=-1",
            "callhook.slack.webhook-url=http://127.0.0.1:9/team",
            "callhook.slack.alerts-webhook-url=http://127.0.0.1:9/alerts",
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

    /** Both Slack destinations post through the HTTP component: the mock of its URI, told apart by address. */
    @EndpointInject("mock:http:destination")
    MockEndpoint http;

    @EndpointInject("mock:summary-mail:127.0.0.1")
    MockEndpoint email;

    @BeforeEach
    void sendsAreMocks() throws Exception {
        if (!camel.isStarted()) {
            AdviceWith.adviceWith(camel, "webhook-intake", route -> route.replaceFromWith("direct:intake"));
            for (String destination : new String[] {"slack", "slack-alerts", "email"}) {
                AdviceWith.adviceWith(
                        camel, destination, route -> route.mockEndpointsAndSkip("http:*", "summary-mail:*"));
            }
            camel.start();
        }
        MockEndpoint.resetMocks(camel);
    }

    @Test
    void successfulCallGoesToTheTeamWebhookAndEmail() throws Exception {
        Samples call = dispatch("call-ended");

        awaitReceived(1, 0, 1);

        assertThat(slackText(TEAM)).isEqualTo("Successful call with John Doe");
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

        assertThat(slackText(ALERTS)).contains("Jane Roe", "Customer hung up");
    }

    @Test
    void callWithUnknownOutcomeGoesToTheTeamOnlyAndEmailIsSkipped() throws Exception {
        Samples call = dispatch("call-ended-unknown-outcome");

        awaitReceived(1, 0, 0);
        assertThat(slackText(TEAM)).isEqualTo("Call with +1234567890 ended, outcome unknown");
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
        assertThat(http.getReceivedCounter() + email.getReceivedCounter()).isZero();
        assertThat(lastError(appointment.id(), "slack")).isEqualTo("not chosen by the routes");
    }

    static final String TEAM = "http://127.0.0.1:9/team";
    static final String ALERTS = "http://127.0.0.1:9/alerts";

    /** The text of the Slack message posted to this webhook. */
    String slackText(String webhook) throws Exception {
        return Samples.JSON
                .readTree(posted(webhook).get(0).getMessage().getBody(String.class))
                .get("text")
                .asText();
    }

    List<Exchange> posted(String webhook) {
        return http.getReceivedExchanges().stream()
                .filter(e -> webhook.equals(e.getMessage().getHeader(Exchange.HTTP_URI)))
                .toList();
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
            assertThat(posted(TEAM)).hasSize(team);
            assertThat(posted(ALERTS)).hasSize(alertsMessages);
            assertThat(email.getReceivedCounter()).isEqualTo(emails);
        });
    }

    /** Through the intake route, as a webhook arrives: read, routed, stored with its deliveries, answered. */
    Samples dispatch(String sample) {
        Samples event = Samples.of(sample);
        Exchange answer = producer.send("direct:intake", exchange -> {
            exchange.getMessage().setBody(event.json().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        });
        assertThat(answer.getMessage().getBody(String.class)).isEqualTo("{\"received\":true}");
        return event;
    }

    Map<String, String> deliveries(String deliveryId) {
        return jdbc.queryForList("SELECT channel, status FROM call_delivery WHERE delivery_id = ?", deliveryId).stream()
                .collect(Collectors.toMap(r -> (String) r.get("channel"), r -> (String) r.get("status")));
    }
}
