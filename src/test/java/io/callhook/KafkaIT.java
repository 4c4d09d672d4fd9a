package io.callhook;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.callhook.testing.Databases;
import io.callhook.testing.Http;
import io.callhook.testing.JarProcess;
import io.callhook.testing.KafkaBroker;
import io.callhook.testing.RoutesFolder;
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
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of the built jar on one PostgreSQL and one real Kafka broker (a KRaft node of its own), with
 * Kafka as a destination (routes/kafka.camel.yaml, the shipped example, chosen for calls of unknown outcome
 * beside Slack): each event is published once to the topic whichever instance took the webhook and whichever
 * sends it, a broker outage never becomes an intake outage (the deliveries wait in the database), a killed
 * instance's sends are finished by the other, an event near the body limit fits a record, and one call is one
 * trace across both instances.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaIT {

    static final String TOPIC = "callhook-calls";
    /** The id prefix of a call that instance A's Slack webhook answers 429 (Retry-After: 20 s). */
    static final String HOLD_A = "evt-hold-a-";

    static EmbeddedPostgres postgres;
    static JdbcTemplate jdbc;
    static KafkaBroker kafka;
    /** What the instances published, read by a consumer of the test's own. */
    static final Topic topic = new Topic();

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
        // instance A's Slack webhook asks A to wait 20 s when it is sent a call marked for it (the trace test)
        slack.stubFor(post(urlPathEqualTo("/services/team-a"))
                .withRequestBody(containing(HOLD_A))
                .atPriority(1)
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Retry-After", "20")
                        .withBody("rate_limited")));
        otlp.start();
        otlp.stubFor(post(urlEqualTo("/v1/traces")).willReturn(aResponse().withStatus(200)));
        kafka = new KafkaBroker().start();
        kafka.createTopic(TOPIC, 4);
        Path routes = RoutesFolder.copyTo(Files.createTempDirectory("callhook-kafka-routes"));
        RoutesFolder.edit(
                routes.resolve("call-routing.camel.yaml"), "constant: slack,forward", "constant: slack,kafka");
        Map<String, String> environment = new HashMap<>(Map.of(
                "SPRING_DATASOURCE_URL",
                postgres.getJdbcUrl("postgres", "postgres"),
                "SPRING_DATASOURCE_USERNAME",
                "postgres",
                "SPRING_DATASOURCE_PASSWORD",
                "postgres",
                "CALLHOOK_ROUTES_DIR",
                routes.toString(),
                "CALLHOOK_SLACK_MIN_INTERVAL",
                "5ms",
                "KAFKA_BROKERS",
                kafka.bootstrap(),
                // a record the broker has not taken within 5 s fails (30 s by default): the outage makes sends
                // fail, and they are tried again later
                "CAMEL_COMPONENT_KAFKA_REQUEST_TIMEOUT_MS",
                "3000",
                "CAMEL_COMPONENT_KAFKA_DELIVERY_TIMEOUT_MS",
                "5000",
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                otlp.baseUrl()));
        environment.put("OTEL_BSP_SCHEDULE_DELAY", "200");
        // the claims of a killed instance are taken over after 15 s rather than 60
        environment.put("CALLHOOK_DELIVERY_LEASE", "15s");
        // the same Slack team through two webhook addresses, one per instance: the trace test holds A's
        Map<String, String> onA = new HashMap<>(environment);
        onA.put("CALLHOOK_SLACK_WEBHOOK_URL", slack.baseUrl() + "/services/team-a");
        Map<String, String> onB = new HashMap<>(environment);
        onB.put("CALLHOOK_SLACK_WEBHOOK_URL", slack.baseUrl() + "/services/team-b");
        a = new JarProcess(Files.createTempDirectory("callhook-kafka-a"), onA).start();
        b = new JarProcess(Files.createTempDirectory("callhook-kafka-b"), onB).start();
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
    void eventsPostedToEitherInstanceArePublishedOnceEach() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Samples call = Samples.of("call-ended-unknown-outcome");
            ids.add(call.id());
            assertThat((i % 2 == 0 ? a : b)
                            .http()
                            .postJson("/webhook", call.json())
                            .statusCode())
                    .isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> ids.stream().allMatch(id -> slackPosts(id) >= 1));
        Map<String, String> published = topic.readUntil(ids, Duration.ofSeconds(60));
        assertThat(published.keySet()).containsAll(ids);
        for (String id : ids) {
            assertThat(topic.count(id)).as("records of %s", id).isEqualTo(1);
            assertThat(published.get(id)).as("the event as received").contains("\"id\":\"" + id + "\"");
        }
        sentOnce(ids);
    }

    /**
     * A webhook carrying a W3C traceparent, posted to instance A, sent by B: one trace holds the intake, the
     * routing table, the commit and the Slack post, from both instances (the send continues the trace intake
     * stored with the event).
     */
    @Test
    @Order(2)
    void oneCallIsOneTraceAcrossBothInstances() {
        // A's Slack address asks A to wait (429, Retry-After: 20): for those 20 s A takes no Slack delivery, so
        // the traced call A takes next is sent by B, which finds it in the database at its next poll
        Samples hold = Samples.of("call-ended-unknown-outcome").id(HOLD_A + UUID.randomUUID());
        assertThat(a.http().postJson("/webhook", hold.json()).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> slack.getAllServeEvents().stream()
                        .anyMatch(e -> e.getResponse().getStatus() == 429
                                && e.getRequest().getBodyAsString().contains(hold.id())));
        String traceId = "%032x".formatted(System.nanoTime()).substring(0, 32);
        Samples call = Samples.of("call-ended-unknown-outcome");
        var answer = a.http()
                .post(
                        "/webhook",
                        "application/json",
                        call.json().getBytes(),
                        Map.of("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"));
        assertThat(answer.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> slackPosts(call.id()) >= 1);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> spans(traceId).containsKey("sent"));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no slack-sent span in the trace; spans seen: " + spans(traceId), e);
        }
        Map<String, Set<String>> spans = spans(traceId);
        assertThat(spans.keySet())
                .as("instances with spans in the trace: A took the call, B sent it")
                .anyMatch(key -> key.endsWith(instance(a)))
                .anyMatch(key -> key.endsWith(instance(b)));
        Set<String> names = spans.get("names");
        System.out.println("span names of one call: " + names);
        // a step's span is named "<step id>-<kind>"; the routes' spans by their endpoints
        assertThat(names).contains("store-event-bean", "plan-deliveries-bean", "slack-sent-bean");
        assertThat(names).anyMatch(name -> name.startsWith("slack-send"));
        // no destination's address beyond its host leaves in a span (a Slack webhook URL is its secret)
        for (var request : otlp.findAll(postRequestedFor(urlEqualTo("/v1/traces")))) {
            assertThat(new String(request.getBody(), StandardCharsets.UTF_8)).doesNotContain("/services/");
        }
    }

    /**
     * The broker stopped for 20 s under traffic and started again: every webhook is answered 200 within a
     * second throughout, Slack is sent to all along, and every acknowledged event is published once the broker
     * is back (its sends failed meanwhile and were tried again later).
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
        assertThat(topic.readUntil(acknowledged, Duration.ofSeconds(150)).keySet())
                .containsAll(acknowledged);
        for (String id : acknowledged) {
            assertThat(topic.count(id)).as("records of %s", id).isEqualTo(1);
        }
        // the outage failed Kafka sends, which were tried again later
        assertThat(a.log() + b.log()).containsPattern("Delivery \\S+ kafka: try \\d+ failed, tried again in");
    }

    /**
     * An event of nearly the 1 MiB body limit (a long transcript) is answered 200 and published: its record,
     * headers included, fits the broker's 1 MiB messages once compressed.
     */
    @Test
    @Order(5)
    void anEventNearTheBodyLimitFitsARecord() {
        StringBuilder transcript = new StringBuilder();
        while (transcript.length() < 1024 * 1024 - 2048) {
            transcript.append("Agent: thank you for calling, how can I help? Customer: about my order. ");
        }
        Samples call = Samples.of("call-ended-unknown-outcome").data(d -> d.put("transcript", transcript.toString()));
        assertThat(call.json().getBytes(StandardCharsets.UTF_8).length).isBetween(1024 * 1024 - 2048, 1024 * 1024);

        assertThat(a.http().postJson("/webhook", call.json()).statusCode()).isEqualTo(200);

        assertThat(topic.readUntil(List.of(call.id()), Duration.ofSeconds(60))).containsKey(call.id());
        assertThat(jdbc.queryForObject(
                        "SELECT status FROM call_delivery WHERE delivery_id = ? AND channel = 'kafka'",
                        String.class,
                        call.id()))
                .isEqualTo("SENT");
    }

    /** Each sent exactly once, and still once a few seconds later (no late repeat). */
    static void sentOnce(java.util.Collection<String> ids) {
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String id : ids) {
                assertThat(slackPosts(id)).as("Slack messages for %s", id).isEqualTo(1);
            }
        });
    }

    /** One instance killed: the other takes its claims once their lease runs out, and finishes its work. */
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
        assertThat(topic.readUntil(ids, Duration.ofSeconds(60)).keySet()).containsAll(ids);
        // at least once: a send B had made but not yet recorded when it died may be made again
        assertThat(ids.stream().filter(id -> slackPosts(id) > 1).count()).isLessThanOrEqualTo(4);
        assertThat(ids.stream().filter(id -> topic.count(id) > 1).count()).isLessThanOrEqualTo(4);
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
                            if (span.getName().equals("slack-sent-bean")) {
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

    /** The topic's records, by key (the delivery id), as a consumer of another system reads them. */
    static final class Topic {
        private final Map<String, String> last = new ConcurrentHashMap<>();
        private final Map<String, Integer> counts = new ConcurrentHashMap<>();
        private org.apache.kafka.clients.consumer.KafkaConsumer<String, String> consumer;

        /** Reads the topic until every id has a record, or the time is up; returns the last record of each. */
        synchronized Map<String, String> readUntil(java.util.Collection<String> ids, Duration within) {
            if (consumer == null) {
                consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of(
                        "bootstrap.servers", kafka.bootstrap(),
                        "group.id", "kafka-it-reader",
                        "auto.offset.reset", "earliest",
                        "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
                        "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer"));
                consumer.subscribe(List.of(TOPIC));
            }
            long deadline = System.nanoTime() + within.toNanos();
            while (!last.keySet().containsAll(ids) && System.nanoTime() < deadline) {
                try {
                    for (var record : consumer.poll(Duration.ofMillis(500))) {
                        last.put(record.key(), record.value());
                        counts.merge(record.key(), 1, Integer::sum);
                    }
                } catch (org.apache.kafka.common.KafkaException e) {
                    // the broker is away: try again until the deadline
                }
            }
            return Map.copyOf(last);
        }

        int count(String id) {
            return counts.getOrDefault(id, 0);
        }
    }

    static long slackPosts(String id) {
        return slack.getAllServeEvents().stream()
                .filter(e -> e.getResponse().getStatus() == 200)
                .filter(e -> e.getRequest().getBodyAsString().contains(id))
                .count();
    }
}
