package io.callhook;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.callhook.testing.Databases;
import io.callhook.testing.Http;
import io.callhook.testing.JarProcess;
import io.callhook.testing.KafkaBroker;
import io.callhook.testing.Samples;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.JdbcTemplate;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of the built jar on one PostgreSQL and one real Kafka broker (a KRaft node of its own),
 * the hand-off between intake and the routing table going through a topic of four partitions: dispatch is
 * shared by both instances whichever took the webhook, a broker outage never becomes an intake outage, and
 * one call is one trace across both instances.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaIT {

    static final String TOPIC = "callhook-dispatch";
    static EmbeddedPostgres postgres;
    static JdbcTemplate jdbc;
    static KafkaBroker kafka;
    static JarProcess a;
    static JarProcess b;
    static final WireMockServer slack =
            new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    /** The tests' OTLP/HTTP receiver: it keeps what the instances export to /v1/traces. */
    static final WireMockServer otlp =
            new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));

    @BeforeAll
    static void start() throws IOException {
        postgres = Databases.postgres();
        jdbc = Databases.jdbc(postgres);
        slack.start();
        slack.stubFor(post(urlPathMatching("/services/.*"))
                .willReturn(aResponse().withStatus(200).withBody("ok")));
        otlp.start();
        otlp.stubFor(post(urlEqualTo("/v1/traces")).willReturn(aResponse().withStatus(200)));
        kafka = new KafkaBroker().start();
        kafka.createTopic(TOPIC, 4);
        Map<String, String> environment = new HashMap<>(Map.of(
                "SPRING_DATASOURCE_URL", postgres.getJdbcUrl("postgres", "postgres"),
                "SPRING_DATASOURCE_USERNAME", "postgres",
                "SPRING_DATASOURCE_PASSWORD", "postgres",
                "CALLHOOK_SLACK_WEBHOOK_URL", slack.baseUrl() + "/services/team",
                "CALLHOOK_SLACK_MIN_INTERVAL", "5ms",
                "CALLHOOK_DISPATCH_URI",
                        "kafka:" + TOPIC + "?brokers=" + kafka.bootstrap()
                                + "&groupId=callhook&sessionTimeoutMs=10000&heartbeatIntervalMs=2000"
                                // a record the broker has not taken within 5 s fails (30 s by default), so
                                // the 20 s outage makes hand-offs fail and recovery hand them over again
                                + "&requestTimeoutMs=3000&deliveryTimeoutMs=5000",
                // owed work is looked for every 5 s and taken after 10 s, so the outage test ends sooner
                "CALLHOOK_DELIVERY_GRACE", "10s",
                "CALLHOOK_DELIVERY_RECOVERY_INTERVAL", "5s",
                "OTEL_EXPORTER_OTLP_ENDPOINT", otlp.baseUrl(),
                "OTEL_BSP_SCHEDULE_DELAY", "200"));
        // the claims of a killed instance are taken over after 15 s rather than 90
        environment.put("CALLHOOK_DELIVERY_LEASE", "15s");
        a = new JarProcess(Files.createTempDirectory("callhook-kafka-a"), environment).start();
        b = new JarProcess(Files.createTempDirectory("callhook-kafka-b"), environment).start();
    }

    @AfterAll
    static void stop() throws IOException {
        for (AutoCloseable each : new AutoCloseable[] {a, b, kafka}) {
            try {
                if (each != null) {
                    each.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + each + ": " + e);
            }
        }
        slack.stop();
        otlp.stop();
        postgres.close();
    }

    @Test
    @Order(1)
    void deliveriesPostedToOneInstanceAreDispatchedByBothAndSentOnce() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Samples call = Samples.of("call-ended-unknown-outcome");
            ids.add(call.id());
            assertThat(a.http().postJson("/webhook", call.json()).statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> ids.stream().allMatch(id -> slackPosts(id) >= 1));
        sentOnce(ids);
        long byA = dispatched(a, ids);
        long byB = dispatched(b, ids);
        System.out.printf("200 deliveries posted to A: A dispatched %d, B dispatched %d%n", byA, byB);
        assertThat(byA).isPositive();
        assertThat(byB).isPositive();
        assertThat(byA + byB).isGreaterThanOrEqualTo(200);
    }

    /**
     * A webhook carrying a W3C traceparent, posted to instance A, dispatched by B: one trace holds the
     * intake, the audit commit, the Kafka hand-off, the routing table and the Slack post, from both instances.
     */
    @Test
    @Order(2)
    void oneCallIsOneTraceAcrossBothInstances() {
        String traceId = null;
        Set<String> names = Set.of();
        for (int attempt = 0; attempt < 30 && traceId == null; attempt++) {
            String candidate = "%032x".formatted(System.nanoTime()).substring(0, 32);
            Samples call = Samples.of("call-ended-unknown-outcome");
            var answer = a.http()
                    .post(
                            "/webhook",
                            "application/json",
                            call.json().getBytes(),
                            Map.of("traceparent", "00-" + candidate + "-00f067aa0ba902b7-01"));
            assertThat(answer.statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> slackPosts(call.id()) >= 1);
            try {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> spans(candidate).containsKey("sent"));
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("no slack-send span in the trace; spans seen: " + spans(candidate), e);
            }
            Map<String, Set<String>> spans = spans(candidate);
            if (spans.keySet().stream().anyMatch(key -> key.endsWith(instance(a)))
                    && spans.keySet().stream().anyMatch(key -> key.endsWith(instance(b)))) {
                traceId = candidate;
                names = spans.get("names");
            }
        }
        assertThat(traceId).as("a traced call dispatched by the other instance").isNotNull();
        System.out.println("span names of one call: " + names);
        // a step's span is named "<step id>-<kind>"; the routes' spans by their endpoints
        assertThat(names)
                .contains("store-audit-row-bean", "hand-off-bean", "record-deliveries-bean", "slack-send-bean");
        assertThat(names).anyMatch(name -> name.contains(TOPIC));
        // B dispatched it (it has spans of the trace): its log lines of the event carry the trace id
        assertThat(b.log()).contains("trace=" + traceId);
        // no destination's address beyond its host leaves in a span (a Slack webhook URL is its secret)
        for (var request : otlp.findAll(postRequestedFor(urlEqualTo("/v1/traces")))) {
            assertThat(new String(request.getBody(), StandardCharsets.UTF_8)).doesNotContain("/services/");
        }
    }

    /**
     * The broker stopped for 20 s under traffic and started again: every webhook is answered 200 within a
     * second throughout, and every acknowledged event reaches Slack once the broker is back.
     */
    @Test
    @Order(3)
    void aBrokerOutageIsNotAnIntakeOutage() throws Exception {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicLong slowest = new AtomicLong();
        AtomicLong slowestAt = new AtomicLong();
        long stoppedAt = 0;
        long startedAt = 0;
        AtomicLong refused = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sender = new Thread(() -> {
            int n = 0;
            while (running.get()) {
                Http http = (n++ % 2 == 0 ? a : b).http();
                Samples call = Samples.of("call-ended-unknown-outcome");
                long start = System.nanoTime();
                int status = http.postJson("/webhook", call.json()).statusCode();
                long took = (System.nanoTime() - start) / 1_000_000;
                if (took > slowest.get()) {
                    slowest.set(took);
                    slowestAt.set(System.currentTimeMillis());
                }
                if (status == 200) {
                    acknowledged.add(call.id());
                } else {
                    refused.incrementAndGet();
                }
                try {
                    Thread.sleep(50); // about 20 webhooks a second, paced, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sender.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.size() >= 50);
            stoppedAt = System.currentTimeMillis();
            kafka.stop();
            long stopped = System.nanoTime();
            await().pollDelay(Duration.ofSeconds(15))
                    .atMost(Duration.ofSeconds(16))
                    .until(() -> true);
            // still in the load balancer's rotation: the broker is not part of readiness
            for (JarProcess each : List.of(a, b)) {
                assertThat(each.http().get("/actuator/health/readiness").statusCode())
                        .as("readiness with the broker down")
                        .isEqualTo(200);
            }
            await().pollDelay(Duration.ofSeconds(5))
                    .atMost(Duration.ofSeconds(6))
                    .until(() -> true);
            int duringOutage = acknowledged.size();
            startedAt = System.currentTimeMillis();
            kafka.start();
            System.out.printf(
                    "broker down %d s; %d webhooks acknowledged so far%n",
                    Duration.ofNanos(System.nanoTime() - stopped).toSeconds(), duringOutage);
            await().pollDelay(Duration.ofSeconds(5))
                    .atMost(Duration.ofSeconds(6))
                    .until(() -> true);
        } finally {
            running.set(false);
            sender.join(5_000);
        }
        System.out.printf(
                "%d acknowledged, %d refused, slowest answer %d ms (%d ms after the stop began, the start began"
                        + " %d ms after the stop)%n",
                acknowledged.size(), refused.get(), slowest.get(), slowestAt.get() - stoppedAt, startedAt - stoppedAt);
        assertThat(refused.get()).isZero();
        assertThat(slowest.get()).isLessThan(1000);
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> acknowledged.stream().allMatch(id -> slackPosts(id) >= 1));
        sentOnce(acknowledged);
        // the outage failed hand-offs (the events stayed owed), and recovery handed them over again
        String logs = a.log() + b.log();
        assertThat(logs).contains("its hand-off to dispatch failed, it stays owed");
        assertThat(logs).contains("Recovery handed");
    }

    /** Each sent exactly once, and still once a few seconds later (no late repeat). */
    static void sentOnce(java.util.Collection<String> ids) {
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String id : ids) {
                assertThat(slackPosts(id)).as("Slack messages for %s", id).isEqualTo(1);
            }
        });
    }

    /** One instance killed: the other takes its partitions and its claims, and finishes its work. */
    @Test
    @Order(4)
    void aKilledInstancesWorkIsFinishedByTheOther() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Samples call = Samples.of("call-ended-unknown-outcome");
            ids.add(call.id());
            assertThat((i % 2 == 0 ? a : b)
                            .http()
                            .postJson("/webhook", call.json())
                            .statusCode())
                    .isEqualTo(200);
        }
        b.kill();
        await().atMost(Duration.ofSeconds(150))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> ids.stream().allMatch(id -> slackPosts(id) >= 1));
        // at least once: a send B had made but not yet recorded when it died may be made again
        assertThat(ids.stream().filter(id -> slackPosts(id) > 1).count()).isLessThanOrEqualTo(2);
    }

    static String instance(JarProcess jar) {
        return ":" + jar.webhookPort(); // the instance id is host:webhook port
    }

    /** The trace's spans: key "names" holds their names, "sent" a marker, each exporter's instance id a key. */
    static Map<String, Set<String>> spans(String traceId) {
        Map<String, Set<String>> found = new HashMap<>();
        for (var request : otlp.findAll(postRequestedFor(urlEqualTo("/v1/traces")))) {
            ExportTraceServiceRequest export;
            try {
                export = ExportTraceServiceRequest.parseFrom(request.getBody());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            for (var resource : export.getResourceSpansList()) {
                String instance = resource.getResource().getAttributesList().stream()
                        .filter(kv -> kv.getKey().equals("service.instance.id"))
                        .map(KeyValue::getValue)
                        .map(v -> v.getStringValue())
                        .findFirst()
                        .orElse("?");
                for (var scope : resource.getScopeSpansList()) {
                    for (var span : scope.getSpansList()) {
                        if (hex(span.getTraceId().toByteArray()).equals(traceId)) {
                            found.computeIfAbsent(instance, k -> ConcurrentHashMap.newKeySet());
                            found.computeIfAbsent("names", k -> ConcurrentHashMap.newKeySet())
                                    .add(span.getName());
                            if (span.getName().equals("slack-send-bean")) {
                                found.put("sent", Set.of());
                            }
                        }
                    }
                }
            }
        }
        return found;
    }

    static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte each : bytes) {
            out.append("%02x".formatted(each));
        }
        return out.toString();
    }

    static long dispatched(JarProcess jar, List<String> ids) {
        String log = jar.log();
        return ids.stream()
                .filter(id -> Pattern.compile("Delivery " + Pattern.quote(id) + " dispatched")
                        .matcher(log)
                        .find())
                .count();
    }

    static long slackPosts(String id) {
        return slack.getAllServeEvents().stream()
                .filter(e -> e.getResponse().getStatus() == 200)
                .filter(e -> e.getRequest().getBodyAsString().contains(id))
                .count();
    }
}
