package io.callhook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.callhook.testing.Http;
import io.callhook.testing.JarProcess;
import io.callhook.testing.Mailbox;
import io.callhook.testing.Samples;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The built jar killed with SIGKILL while four senders post calls to it, then started again on the same
 * H2 file: every delivery it answered 200 is audited and notified on Slack and by email. The figures go to
 * target/crash-figures.txt.
 */
class CrashRecoveryIT {

    static final int ACKNOWLEDGED_BEFORE_KILL = 150;
    static final int SENT_BEFORE_KILL = 40;
    static final int SENDERS = 4;
    static final String TOKEN = "crash-test-admin-token";

    @TempDir
    Path workDir;

    WireMockServer slack = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());

    @AfterEach
    void stop() {
        slack.stop();
        smtp.stop();
    }

    @Test
    void everyAcknowledgedEventIsAuditedAndNotifiedAfterAKill9() throws Exception {
        slack.start();
        slack.stubFor(post(urlPathMatching("/services/.*"))
                .willReturn(aResponse().withStatus(200).withBody("ok").withFixedDelay(5)));
        smtp.start();
        Map<String, String> environment = Map.ofEntries(
                Map.entry("CALLHOOK_SLACK_WEBHOOK_URL", slack.baseUrl() + "/services/team"),
                Map.entry("CALLHOOK_SLACK_ALERTS_WEBHOOK_URL", slack.baseUrl() + "/services/alerts"),
                Map.entry("CALLHOOK_SLACK_MIN_INTERVAL", "2ms"),
                Map.entry("CALLHOOK_MAIL_HOST", "127.0.0.1"),
                Map.entry("CALLHOOK_MAIL_PORT", Integer.toString(smtp.getSmtp().getPort())),
                Map.entry("CALLHOOK_MAIL_FROM", "callhook@example.com"),
                Map.entry("CALLHOOK_MAIL_TO", "ops@example.com"),
                Map.entry("CALLHOOK_ADMIN_TOKEN", TOKEN),
                // a dead instance's claims expire after 10 s instead of 60 s, to keep the test short (the restarted
                // one takes them back at once anyway)
                Map.entry("CALLHOOK_DELIVERY_LEASE", "10s"));

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        try (JarProcess first = new JarProcess(workDir, environment).start()) {
            Http http = first.http();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
            for (int i = 0; i < SENDERS; i++) {
                senders.submit(() -> {
                    while (running.get()) {
                        Samples call =
                                Samples.of(acknowledged.size() % 3 == 0 ? "call-ended-unsuccessful" : "call-ended");
                        try {
                            if (http.postJson("/webhook", call.json()).statusCode() == 200) {
                                acknowledged.add(call.id());
                            }
                        } catch (UncheckedIOException killed) {
                            return;
                        }
                    }
                });
            }
            // killed mid-stream: events being received, committed, claimed and sent all at once
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> acknowledged.size() >= ACKNOWLEDGED_BEFORE_KILL
                            && slack.getAllServeEvents().size() >= SENT_BEFORE_KILL);
            first.kill();
            running.set(false);
            senders.shutdown();
            assertThat(senders.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        int slackBeforeRestart = slack.getAllServeEvents().size();
        int mailsBeforeRestart = smtp.getReceivedMessages().length;

        try (JarProcess second = new JarProcess(workDir, environment).start()) {
            Http http = second.http();
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(() -> acknowledged.stream().allMatch(id -> bothSent(http, id)));

            Map<String, Long> slackPosts = countBy(
                    slack.getAllServeEvents().stream()
                            .map(e -> e.getRequest().getBodyAsString())
                            .toList(),
                    acknowledged);
            Map<String, Long> mails = countBy(
                    Arrays.stream(smtp.getReceivedMessages()).map(Mailbox::text).toList(), acknowledged);
            long audited =
                    acknowledged.stream().filter(id -> event(http, id) != null).count();
            long notified = acknowledged.stream()
                    .filter(id -> slackPosts.getOrDefault(id, 0L) >= 1 && mails.getOrDefault(id, 0L) >= 1)
                    .count();
            long twice = acknowledged.stream()
                    .filter(id -> slackPosts.getOrDefault(id, 0L) > 1 || mails.getOrDefault(id, 0L) > 1)
                    .count();
            String figures = String.format(
                    "kill -9 under load (%d senders): acknowledged %d, audited %d, notified %d, notified twice %d"
                            + " (Slack posts %d before the kill / %d in all, mails %d / %d)%n",
                    SENDERS,
                    acknowledged.size(),
                    audited,
                    notified,
                    twice,
                    slackBeforeRestart,
                    slack.getAllServeEvents().size(),
                    mailsBeforeRestart,
                    smtp.getReceivedMessages().length);
            System.out.print(figures);
            Files.writeString(Path.of("target", "crash-figures.txt"), figures);

            assertThat(audited).isEqualTo(acknowledged.size());
            assertThat(notified).isEqualTo(acknowledged.size());
            // only what the killed process had in flight may go out again
            assertThat(twice).isLessThanOrEqualTo(20);
        }
    }

    static boolean bothSent(Http http, String id) {
        JsonNode event = event(http, id);
        if (event == null) {
            return false;
        }
        Map<String, String> states = new java.util.HashMap<>();
        event.get("deliveries")
                .forEach(d ->
                        states.put(d.get("channel").asText(), d.get("status").asText()));
        // a successful call goes to the team webhook, an unsuccessful one to the alerts webhook
        return ("SENT".equals(states.get("slack")) || "SENT".equals(states.get("slack-alerts")))
                && "SENT".equals(states.get("email"));
    }

    static JsonNode event(Http http, String id) {
        HttpResponse<String> answer = http.get("/api/events/" + id, Map.of("Authorization", "Bearer " + TOKEN));
        try {
            return answer.statusCode() == 200 ? Samples.JSON.readTree(answer.body()) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many of the texts mention each id. */
    static Map<String, Long> countBy(List<String> texts, Set<String> ids) {
        return texts.stream()
                .map(text -> ids.stream().filter(text::contains).findFirst().orElse(""))
                .filter(id -> !id.isEmpty())
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }
}
