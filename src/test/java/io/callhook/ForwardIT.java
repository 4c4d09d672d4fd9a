package io.callhook;

import java.time.Duration;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.callhook.intake.WebhookServer;
import io.callhook.testing.Http;
import io.callhook.testing.Samples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The generic HTTP forward to a CRM stub: the event as received, once, with the guarantees of the others. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:forward;DB_CLOSE_DELAY=-1",
            "callhook.forward.token=crm-token",
            "callhook.delivery.retry.first-delay=200ms"
        })
class ForwardIT {

    static final WireMockServer crm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));

    static {
        crm.start();
    }

    @DynamicPropertySource
    static void forward(DynamicPropertyRegistry properties) {
        properties.add("callhook.forward.url", () -> crm.baseUrl() + "/hooks/calls");
    }

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Autowired
    JdbcTemplate jdbc;

    @BeforeEach
    void reset() {
        crm.resetAll();
    }

    @AfterAll
    static void stop() {
        crm.stop();
    }

    @Test
    void aCallIsForwardedAsReceivedOnceEvenAfterA503() {
        crm.stubFor(post(urlPathEqualTo("/hooks/calls"))
                .inScenario("crm")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503))
                .willSetStateTo("up"));
        crm.stubFor(post(urlPathEqualTo("/hooks/calls"))
                .inScenario("crm")
                .whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(202)));
        Samples call = Samples.of("call-ended");

        assertThat(new Http(webhook.getPort(), port)
                        .postJson("/webhook", call.json())
                        .statusCode())
                .isEqualTo(200);

        awaitStatus(call.id(), "SENT");
        List<LoggedRequest> requests = crm.findAll(
                postRequestedFor(urlPathEqualTo("/hooks/calls")).withHeader("Idempotency-Key", equalTo(call.id())));
        assertThat(requests).hasSize(2);
        LoggedRequest delivered = requests.get(1);
        assertThat(delivered.getBodyAsString()).isEqualTo(call.json());
        assertThat(delivered.getHeader("Content-Type")).startsWith("application/json");
        assertThat(delivered.getHeader("Authorization")).isEqualTo("Bearer crm-token");
        assertThat(delivered.containsHeader("webhook-signature")).isFalse();
    }

    @Test
    void aRefusedEventIsFailedWithoutRetrying() {
        crm.stubFor(post(urlPathEqualTo("/hooks/calls"))
                .willReturn(aResponse().withStatus(422).withBody("bad")));
        Samples call = Samples.of("call-ended-unsuccessful");

        new Http(webhook.getPort(), port).postJson("/webhook", call.json());

        awaitStatus(call.id(), "FAILED");
        assertThat(jdbc.queryForObject(
                        "SELECT last_error FROM call_delivery WHERE delivery_id = ? AND channel = 'forward'",
                        String.class,
                        call.id()))
                .contains("422");
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(crm.findAll(postRequestedFor(urlPathEqualTo("/hooks/calls"))))
                        .hasSize(1));
    }

    @Test
    void otherEventsAreNotForwarded() {
        Samples appointment = Samples.of("appointment-created");

        new Http(webhook.getPort(), port).postJson("/webhook", appointment.json());

        awaitStatus(appointment.id(), "SKIPPED");
        assertThat(crm.findAll(postRequestedFor(urlPathEqualTo("/hooks/calls"))))
                .isEmpty();
    }

    void awaitStatus(String deliveryId, String status) {
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(jdbc.queryForList(
                                "SELECT status FROM call_delivery WHERE delivery_id = ? AND channel = 'forward'",
                                String.class,
                                deliveryId))
                        .containsExactly(status));
    }
}
