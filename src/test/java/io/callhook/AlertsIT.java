package io.callhook;

import java.time.Duration;
import java.util.List;
import jakarta.mail.internet.MimeMessage;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.icegreen.greenmail.util.GreenMail;
import io.callhook.intake.WebhookServer;
import io.callhook.testing.Http;
import io.callhook.testing.Mailbox;
import io.callhook.testing.Samples;
import io.callhook.testing.SmtpServer;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The alerts that routes/alerts.camel.yaml ships, checked every second here instead of every minute: a
 * destination that breaks is announced once to the alerts Slack webhook and by email, never again while
 * it stays broken, never through itself, and once more when it sends again.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:alerts;DB_CLOSE_DELAY=-1",
            "callhook.alerts.interval=1s",
            "callhook.alerts.first-check=1s",
            "callhook.delivery.retry.first-delay=200ms",
            "callhook.delivery.retry.max-delay=1000ms",
            "callhook.slack.min-interval=50ms"
        })
class AlertsIT {

    static final WireMockServer slack =
            new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static final int SMTP_PORT = SmtpServer.freePort();
    static final GreenMail smtp = SmtpServer.start(SMTP_PORT);

    static {
        slack.start();
    }

    @DynamicPropertySource
    static void channels(DynamicPropertyRegistry properties) {
        properties.add("callhook.slack.webhook-url", () -> slack.baseUrl() + "/services/team");
        properties.add("callhook.slack.alerts-webhook-url", () -> slack.baseUrl() + "/services/alerts");
        SmtpServer.configure(properties, () -> SMTP_PORT, "ops@example.com");
    }

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    CamelContext camel;

    @AfterAll
    static void stop() {
        slack.stop();
        smtp.stop();
    }

    @Test
    void aBrokenDestinationIsAnnouncedOnceNeverThroughItselfAndAgainWhenItRecovers() throws Exception {
        assertThat(camel.getRoute("alert-destination-failing"))
                .as("the shipped alerts run")
                .isNotNull();
        Http http = new Http(webhook.getPort(), port);
        // the team webhook was revoked; the alerts webhook too, so that its own alert must go by email only
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(404).withBody("no_service")));
        slack.stubFor(post(urlPathEqualTo("/services/alerts"))
                .willReturn(aResponse().withStatus(404).withBody("no_service")));
        // ten failures in a row each: the alert says so once
        for (int i = 0; i < 10; i++) {
            Samples call = Samples.of("call-ended-unknown-outcome");
            assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);
            Samples unsuccessful = Samples.of("call-ended-unsuccessful");
            assertThat(http.postJson("/webhook", unsuccessful.json()).statusCode())
                    .isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> jdbc.queryForObject(
                                "SELECT count(*) FROM call_delivery WHERE status = 'FAILED' AND channel IN"
                                        + " ('slack', 'slack-alerts')",
                                Integer.class)
                        == 20);

        Mailbox mailbox = new Mailbox(smtp);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> subjects(mailbox)
                        .containsAll(List.of(
                                "callhook alert destination-failing:slack-alerts",
                                "callhook alert destination-failing:slack",
                                "callhook alert failed-last-hour")));
        MimeMessage slackAlert =
                mailbox.withSubject("destination-failing:slack-alerts").get(0);
        assertThat(Mailbox.text(slackAlert)).contains("slack-alerts failed its last 5 deliveries", "HTTP 404");
        assertThat(notesOnAlertsWebhook("destination-failing:slack-alerts"))
                .as("an alert about the alerts webhook never goes through it")
                .isEmpty();
        assertThat(notesOnAlertsWebhook("destination-failing:slack*"))
                .as("an alert about the team webhook is tried on the alerts webhook")
                .hasSize(1);

        // several checks later: still one note per alert, no storm (other alerts, such as the failure
        // rate once ten deliveries have finished, may have fired meanwhile: once each)
        int checks = 4;
        await().pollDelay(Duration.ofSeconds(checks))
                .atMost(Duration.ofSeconds(checks + 2))
                .until(() -> true);
        assertThat(subjects(mailbox).stream().filter(s -> s.equals("callhook alert destination-failing:slack")))
                .hasSize(1);
        assertThat(subjects(mailbox)).as("every alert told once").doesNotHaveDuplicates();

        // the team webhook works again: the next call is sent and the alert clears, once
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));
        Samples call = Samples.of("call-ended-unknown-outcome");
        http.postJson("/webhook", call.json());
        await().atMost(Duration.ofSeconds(20))
                .until(() -> subjects(mailbox).contains("callhook alert destination-failing:slack recovered"));
        MimeMessage recovered =
                mailbox.withSubject("destination-failing:slack recovered").get(0);
        assertThat(Mailbox.text(recovered)).contains("slack is sending again");
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(subjects(mailbox).stream().filter(s -> s.startsWith("callhook alert destination-failing:slack r")))
                .hasSize(1);

        // it breaks again at once: flapping within the hour's window is not told again until it has passed
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(404).withBody("no_service")));
        List<String> again = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Samples broken = Samples.of("call-ended-unknown-outcome");
            http.postJson("/webhook", broken.json());
            again.add(broken.id());
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> again.stream()
                        .allMatch(id -> "FAILED"
                                .equals(jdbc.queryForObject(
                                        "SELECT status FROM call_delivery WHERE delivery_id = ? AND channel = 'slack'",
                                        String.class,
                                        id))));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> jdbc.queryForObject(
                        "SELECT firing FROM alert_state WHERE alert_key = 'destination-failing:slack'", Boolean.class));
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(subjects(mailbox).stream().filter(s -> s.equals("callhook alert destination-failing:slack")))
                .as("firing again within the window: recorded, not told again")
                .hasSize(1);
    }

    List<LoggedRequest> notesOnAlertsWebhook(String words) {
        return slack.findAll(postRequestedFor(urlPathEqualTo("/services/alerts"))).stream()
                .filter(request -> request.getBodyAsString().contains(words))
                .toList();
    }

    static List<String> subjects(Mailbox mailbox) {
        return mailbox.withSubject("callhook alert").stream()
                .map(message -> {
                    try {
                        return message.getSubject();
                    } catch (jakarta.mail.MessagingException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }
}
