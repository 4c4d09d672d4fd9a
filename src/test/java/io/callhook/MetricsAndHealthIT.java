package io.callhook;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.icegreen.greenmail.util.GreenMail;
import io.callhook.intake.WebhookServer;
import io.callhook.testing.Http;
import io.callhook.testing.Samples;
import io.callhook.testing.SmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** After a known set of deliveries, the numbers at /actuator/prometheus and the components of health. */
// tests turn metrics export off unless asked: this one is about the export
@AutoConfigureObservability
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:metrics;DB_CLOSE_DELAY=-1",
            "callhook.admin.token=metrics-admin-token",
            "callhook.slack.min-interval=10ms"
        })
class MetricsAndHealthIT {

    static final WireMockServer slack =
            new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static final int SMTP_PORT = SmtpServer.freePort();
    static GreenMail smtp = SmtpServer.start(SMTP_PORT);

    static {
        slack.start();
        slack.stubFor(post(urlPathMatching("/services/.*"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));
    }

    @DynamicPropertySource
    static void channels(DynamicPropertyRegistry properties) {
        properties.add("callhook.slack.webhook-url", () -> slack.baseUrl() + "/services/team");
        SmtpServer.configure(properties, () -> SMTP_PORT, "ops@example.com");
    }

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Autowired
    JdbcTemplate jdbc;

    @AfterAll
    static void stop() {
        slack.stop();
        smtp.stop();
    }

    @Test
    void prometheusCountsEventsByOutcomeAndDeliveriesByChannelAndStatus() {
        Http http = new Http(webhook.getPort(), port);
        String duplicate = Samples.of("call-ended").json();
        for (String body : new String[] {
            duplicate,
            duplicate,
            Samples.of("call-ended").json(),
            Samples.of("call-ended-unsuccessful").json(),
            Samples.of("call-ended-unknown-outcome").json(),
            Samples.of("appointment-created").json()
        }) {
            assertThat(http.postJson("/webhook", body).statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(jdbc.queryForObject(
                                "SELECT count(*) FROM call_delivery WHERE status = 'PENDING'", Integer.class))
                        .isZero());
        http.post("/webhook", "application/json", "{".getBytes(), Map.of());

        String metrics = http.get("/actuator/prometheus", Map.of("Authorization", "Bearer metrics-admin-token"))
                .body();

        assertThat(metrics)
                .contains("callhook_events_received_total{event=\"call.ended\",outcome=\"successful\"} 2.0")
                .contains("callhook_events_received_total{event=\"call.ended\",outcome=\"unsuccessful\"} 1.0")
                .contains("callhook_events_received_total{event=\"call.ended\",outcome=\"unknown\"} 1.0")
                .contains("callhook_events_received_total{event=\"appointment.created\",outcome=\"other\"} 1.0")
                // the team webhook gets the successful and unknown calls, the alerts webhook the unsuccessful one;
                // the event the table does not route is SKIPPED on every destination that is on
                .contains("callhook_deliveries_total{channel=\"slack\",status=\"SENT\"} 3.0")
                .contains("callhook_deliveries_total{channel=\"slack\",status=\"SKIPPED\"} 2.0")
                .contains("callhook_deliveries_total{channel=\"slack-alerts\",status=\"SENT\"} 1.0")
                .contains("callhook_deliveries_total{channel=\"slack-alerts\",status=\"SKIPPED\"} 4.0")
                .contains("callhook_deliveries_total{channel=\"email\",status=\"SENT\"} 3.0")
                .contains("callhook_deliveries_total{channel=\"email\",status=\"SKIPPED\"} 2.0")
                .contains("callhook_deliveries_total{channel=\"forward\",status=\"SKIPPED\"} 4.0")
                .contains("callhook_intake_seconds_count{status=\"200\"} 6")
                .contains("callhook_intake_seconds_count{status=\"400\"} 1")
                // the events stored (duplicates and refusals are not), by group commit
                .contains("callhook_audit_batch_sum 6.0");
    }

    @Test
    void prometheusWantsTheAdminToken() {
        assertThat(new Http(webhook.getPort(), port).get("/actuator/prometheus").statusCode())
                .isEqualTo(401);
    }

    /**
     * Deny by default, decided on the normalized path: every spelling of an admin path that a server or a
     * proxy might read as {@code /api/…} or {@code /actuator/…} is refused without the token, and anonymous
     * health tells the status only.
     */
    @Test
    void noSpellingOfAnAdminPathGetsInWithoutTheToken() throws Exception {
        // stored directly, so the metrics the other test counts are left alone
        Samples call = Samples.of("call-ended");
        jdbc.update(
                "INSERT INTO call_audit (delivery_id, event, received_at, payload) VALUES (?, 'call.ended', ?, '{}')",
                call.id(),
                java.time.OffsetDateTime.now());
        String replay = "/events/" + call.id() + "/replay";
        List<String[]> attempts = List.of(
                new String[] {"GET", "/api/events"},
                new String[] {"GET", "/%61pi/events"},
                new String[] {"GET", "/api;x/events"},
                new String[] {"GET", "/api/events;x=1"},
                new String[] {"GET", "//api/events"},
                new String[] {"GET", "/api//events"},
                new String[] {"GET", "/api/./events"},
                new String[] {"GET", "/x/../api/events"},
                new String[] {"GET", "/x/%2e%2e/api/events"},
                new String[] {"GET", "/api%2Fevents"},
                new String[] {"GET", "/%61ctuator/prometheus"},
                new String[] {"GET", "/actuator;x/prometheus"},
                new String[] {"GET", "/actuator/health/../prometheus"},
                new String[] {"GET", "/actuator/health/%2e%2e/prometheus"},
                new String[] {"GET", "/actuator/health;/../prometheus"},
                new String[] {"GET", "/actuator/health/..;/prometheus"},
                new String[] {"GET", "/nothing-here"},
                new String[] {"POST", "/api" + replay},
                new String[] {"POST", "/%61pi" + replay},
                new String[] {"POST", "/api;x" + replay});
        for (String[] attempt : attempts) {
            Http.Raw answer = Http.raw(port, attempt[0], attempt[1], Map.of());
            assertThat(answer.status()).as("%s %s", attempt[0], attempt[1]).isIn(400, 401);
            assertThat(answer.body())
                    .as("%s %s", attempt[0], attempt[1])
                    .doesNotContain(call.id(), "callhook_", "deliveryId");
        }
        assertThat(Http.raw(port, "GET", "/%61pi/events", Map.of("Authorization", "Bearer metrics-admin-token"))
                        .body())
                .as("the same path with the token")
                .contains(call.id());

        var anonymous = new Http(webhook.getPort(), port).get("/actuator/health");
        assertThat(anonymous.statusCode()).isEqualTo(200);
        JsonNode status = Samples.JSON.readTree(anonymous.body());
        assertThat(status.get("status").asText()).isEqualTo("UP");
        assertThat(status.has("components"))
                .as("anonymous health: the status, not which channels are configured")
                .isFalse();
    }

    @Test
    void healthShowsDatabaseRoutesAndTheChannelsServersAsComponents() throws Exception {
        JsonNode health = Samples.JSON.readTree(new Http(webhook.getPort(), port)
                .get("/actuator/health", Map.of("Authorization", "Bearer metrics-admin-token"))
                .body());

        assertThat(health.get("status").asText()).isEqualTo("UP");
        JsonNode components = health.get("components");
        for (String component : new String[] {"db", "auditWriter", "camelHealth", "slack", "smtp"}) {
            assertThat(components.path(component).path("status").asText())
                    .as(component)
                    .isEqualTo("UP");
        }
        assertThat(health.toString()).doesNotContain(smtp.getSmtp().getBindTo() + ":"); // no details, even to the admin

        smtp.stop();
        try {
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        JsonNode down = Samples.JSON.readTree(new Http(webhook.getPort(), port)
                                .get("/actuator/health", Map.of("Authorization", "Bearer metrics-admin-token"))
                                .body());
                        assertThat(down.at("/components/smtp/status").asText()).isEqualTo("DOWN");
                    });
            JsonNode readiness = Samples.JSON.readTree(new Http(webhook.getPort(), port)
                    .get("/actuator/health/readiness")
                    .body());
            assertThat(readiness.get("status").asText())
                    .as("still accepting webhooks")
                    .isEqualTo("UP");
        } finally {
            smtp = SmtpServer.start(SMTP_PORT);
        }
    }
}
