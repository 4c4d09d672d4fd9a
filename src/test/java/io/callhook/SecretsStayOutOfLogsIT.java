package io.callhook;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.callhook.testing.JarProcess;
import io.callhook.testing.Mailbox;
import io.callhook.testing.Samples;
import io.callhook.testing.StandardWebhooks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The jar run with every secret set, through a day's worth of traffic (signed, refused, invalid, sent):
 * its whole log holds no secret, no transcript and no payload.
 */
class SecretsStayOutOfLogsIT {

    static final String MAIL_PASSWORD = "mail-pass-" + UUID.randomUUID();
    static final String ADMIN_TOKEN = "admin-token-" + UUID.randomUUID();
    static final String SLACK_TOKEN = "slack-token-" + UUID.randomUUID();

    @TempDir
    Path workDir;

    WireMockServer slack = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());

    @BeforeEach
    void servers() {
        slack.start();
        slack.stubFor(post(urlPathMatching("/services/.*"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));
        smtp.start();
        smtp.setUser("callhook@example.com", "callhook", MAIL_PASSWORD);
    }

    @AfterEach
    void stopServers() {
        slack.stop();
        smtp.stop();
    }

    @Test
    void noSecretTranscriptOrPayloadReachesTheLog() {
        String transcriptMarker = "TRANSCRIPT-" + UUID.randomUUID();
        String summaryMarker = "SUMMARY-" + UUID.randomUUID();
        Samples call = Samples.of("call-ended").data(data -> {
            data.put("transcript", transcriptMarker);
            data.put("summary", summaryMarker);
        });
        Map<String, String> environment = Map.of(
                "CALLHOOK_WEBHOOK_SECRET",
                StandardWebhooks.SECRET,
                "CALLHOOK_ADMIN_TOKEN",
                ADMIN_TOKEN,
                "CALLHOOK_SLACK_WEBHOOK_URL",
                slack.baseUrl() + "/services/T000/B000/" + SLACK_TOKEN,
                "CALLHOOK_MAIL_HOST",
                "127.0.0.1",
                "CALLHOOK_MAIL_PORT",
                Integer.toString(smtp.getSmtp().getPort()),
                "CALLHOOK_MAIL_USERNAME",
                "callhook",
                "CALLHOOK_MAIL_PASSWORD",
                MAIL_PASSWORD,
                "CALLHOOK_MAIL_FROM",
                "callhook@example.com",
                "CALLHOOK_MAIL_TO",
                "ops@example.com",
                // the per-delivery lines are DEBUG: what someone turns on at 3 a.m. must not leak either
                "LOGGING_LEVEL_IO_CALLHOOK",
                "DEBUG");

        try (JarProcess callhook = new JarProcess(workDir, environment).start()) {
            byte[] body = call.json().getBytes(StandardCharsets.UTF_8);
            assertThat(callhook.http()
                            .post(
                                    "/webhook",
                                    "application/json",
                                    body,
                                    StandardWebhooks.headers(StandardWebhooks.SECRET, call.json()))
                            .statusCode())
                    .isEqualTo(200);
            assertThat(callhook.http()
                            .post("/webhook", "application/json", body, Map.of())
                            .statusCode())
                    .isEqualTo(401);
            Samples invalid = Samples.of("call-ended").data(data -> {
                data.put("transcript", transcriptMarker);
                data.put("duration", "long");
            });
            assertThat(callhook.http()
                            .post(
                                    "/webhook",
                                    "application/json",
                                    invalid.json().getBytes(StandardCharsets.UTF_8),
                                    StandardWebhooks.headers(StandardWebhooks.SECRET, invalid.json()))
                            .statusCode())
                    .isEqualTo(422);

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(slack.getAllServeEvents()).hasSize(1);
                assertThat(smtp.getReceivedMessages()).hasSize(1);
            });
            assertThat(Mailbox.text(smtp.getReceivedMessages()[0]))
                    .contains(summaryMarker)
                    .doesNotContain(transcriptMarker);
            await().atMost(Duration.ofSeconds(10)).until(() -> callhook.log().contains("email SENT"));
            callhook.stop();

            String log = callhook.log();
            assertThat(log).contains("Webhooks must be signed").contains("slack SENT");
            assertThat(log)
                    .doesNotContain(
                            StandardWebhooks.SECRET,
                            StandardWebhooks.SECRET.substring(6),
                            MAIL_PASSWORD,
                            ADMIN_TOKEN,
                            SLACK_TOKEN,
                            transcriptMarker,
                            summaryMarker);
        }
    }
}
