package io.callhook.routes;

import java.time.Duration;
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
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The default routing table, with the channel routes swapped for mocks: which channels, webhook and
 * template each kind of event gets, and what is recorded for the channels it does not get.
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

    @EndpointInject("mock:direct:slack")
    MockEndpoint slack;

    @EndpointInject("mock:direct:email")
    MockEndpoint email;

    @BeforeEach
    void channelsAreMocks() throws Exception {
        if (!camel.isStarted()) {
            AdviceWith.adviceWith(
                    camel, "call-routing", route -> route.mockEndpointsAndSkip("direct:slack", "direct:email"));
            camel.start();
        }
        MockEndpoint.resetMocks(camel);
    }

    @Test
    void successfulCallGoesToTheTeamWebhookAndEmail() throws Exception {
        Samples call = dispatch("call-ended");

        awaitReceived(1, 1);

        Exchange sent = slack.getReceivedExchanges().get(0);
        assertThat(sent.getVariable("slackWebhook")).isEqualTo("team");
        assertThat(sent.getVariable("slackTemplate")).isEqualTo("slack-successful.json.ftl");
        assertThat(deliveries(call.id()))
                .isEqualTo(Map.of("slack", "PENDING", "email", "PENDING", "forward", "SKIPPED"));
    }

    @Test
    void unsuccessfulCallGoesToTheAlertsWebhookAndEmail() throws Exception {
        dispatch("call-ended-unsuccessful");

        awaitReceived(1, 1);

        Exchange sent = slack.getReceivedExchanges().get(0);
        assertThat(sent.getVariable("slackWebhook")).isEqualTo("alerts");
        assertThat(sent.getVariable("slackTemplate")).isEqualTo("slack-unsuccessful.json.ftl");
    }

    @Test
    void callWithUnknownOutcomeGoesToTheTeamOnlyAndEmailIsSkipped() throws Exception {
        Samples call = dispatch("call-ended-unknown-outcome");

        awaitReceived(1, 0);
        assertThat(slack.getReceivedExchanges().get(0).getVariable("slackTemplate"))
                .isEqualTo("slack-unknown-outcome.json.ftl");
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(deliveries(call.id()))
                        .isEqualTo(Map.of("slack", "PENDING", "email", "SKIPPED", "forward", "SKIPPED")));
        assertThat(email.getReceivedCounter()).isZero();
    }

    @Test
    void otherEventsReachNoChannelAndEveryChannelIsSkipped() {
        Samples appointment = dispatch("appointment-created");

        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(deliveries(appointment.id()))
                        .isEqualTo(Map.of("slack", "SKIPPED", "email", "SKIPPED", "forward", "SKIPPED")));
        assertThat(slack.getReceivedCounter()).isZero();
        assertThat(email.getReceivedCounter()).isZero();
        assertThat(jdbc.queryForObject(
                        "SELECT last_error FROM call_delivery WHERE delivery_id = ? AND channel = 'slack'",
                        String.class,
                        appointment.id()))
                .isEqualTo("not chosen by the routes");
    }

    void awaitReceived(int slackMessages, int emails) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(slack.getReceivedCounter()).isEqualTo(slackMessages);
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
