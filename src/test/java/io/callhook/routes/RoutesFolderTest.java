package io.callhook.routes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.slack.api.model.Message;
import io.callhook.mail.SummaryMail;
import io.callhook.slack.SlackMessages;
import io.callhook.testing.Samples;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loads the real routes folder, as a deployment would: a route file or template that does not load,
 * start or render fails the build instead of the service.
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:routes-folder;DB_CLOSE_DELAY=-1")
class RoutesFolderTest {

    static final Path ROUTES = Path.of("routes");

    @Autowired
    CamelContext camel;

    @Autowired
    ProducerTemplate producer;

    @Autowired
    SlackMessages slackMessages;

    @Autowired
    SummaryMail summaryMail;

    /**
     * Every route of the engine's files (in the jar) and of the operators' folder runs, under its declared id: a
     * destination's is its channel's name (it needs no routeId).
     */
    @Test
    void everyRouteInEveryFileIsLoadedAndStarted() throws IOException {
        List<String> declared = new ArrayList<>();
        List<Path> files = new ArrayList<>(routeFiles());
        files.addAll(engineFiles());
        for (Path file : files) {
            for (Map<String, Object> item : items(file)) {
                if (item.get("route") instanceof Map<?, ?> route) {
                    assertThat(route.get("id"))
                            .as("explicit route id in %s", file)
                            .isNotNull();
                    declared.add((String) route.get("id"));
                }
                if (item.get("templatedRoute") instanceof Map<?, ?> templated) {
                    Object id = templated.get("routeId");
                    if (id == null && "channel".equals(templated.get("routeTemplateRef"))) {
                        id = ((List<?>) templated.get("parameters"))
                                .stream()
                                        .map(p -> (Map<?, ?>) p)
                                        .filter(p -> "channel".equals(p.get("name")))
                                        .map(p -> p.get("value"))
                                        .findFirst()
                                        .orElse(null);
                    }
                    assertThat(id).as("a route id in %s", file).isNotNull();
                    declared.add(id.toString());
                }
            }
        }

        assertThat(declared).isNotEmpty().doesNotHaveDuplicates();
        assertThat(camel.getRoutes()).extracting(Route::getRouteId).containsExactlyInAnyOrderElementsOf(declared);
        for (String id : declared) {
            assertThat(camel.getRouteController().getRouteStatus(id).isStarted())
                    .as(id)
                    .isTrue();
        }
    }

    @Test
    void everyRouteFileOpensWithTheTriggerAndOutcomeComment() throws IOException {
        List<Path> files = new ArrayList<>(routeFiles());
        files.addAll(engineFiles());
        for (Path file : files) {
            assertThat(Files.readAllLines(file, StandardCharsets.UTF_8).get(0))
                    .as(file.toString())
                    .startsWith("# ")
                    .contains("→");
        }
    }

    @Test
    void theSuccessfulCallPhraseIsInATemplateOperationsCanReword() throws IOException {
        assertThat(Files.readString(ROUTES.resolve("templates/slack-successful.json.ftl")))
                .contains("Successful call with ${body.customerName}");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"call-ended", "call-ended-unsuccessful", "call-ended-unknown-outcome", "appointment-created"})
    void everySlackTemplateRendersABlockKitMessageForEverySample(String sample) throws IOException {
        io.callhook.call.CallFacts facts = Samples.of(sample).facts();
        for (Path template : templates("slack-")) {
            String rendered = producer.requestBody(
                    "freemarker:file:" + template.toAbsolutePath(), slackMessages.model(facts), String.class);
            Message message = slackMessages.message(rendered);
            assertThat(message.getText()).as(template.toString()).isNotBlank();
            assertThat(message.getBlocks()).as(template.toString()).isNotEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"call-ended", "call-ended-unsuccessful", "call-ended-unknown-outcome"})
    void everyEmailTemplateRendersTheCustomerForEverySample(String sample) throws IOException {
        io.callhook.call.CallFacts facts = Samples.of(sample).facts();
        String customer = summaryMail.text(facts).get("customerName");
        for (Path template : templates("email-")) {
            Map<String, String> data =
                    template.toString().endsWith(".html.ftl") ? summaryMail.html(facts) : summaryMail.text(facts);
            String rendered = producer.requestBody("freemarker:file:" + template.toAbsolutePath(), data, String.class);
            assertThat(rendered).as(template.toString()).contains(customer);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> envelope(String sample) throws IOException {
        return Samples.JSON.readValue(Samples.of(sample).json(), Map.class);
    }

    static List<Path> routeFiles() throws IOException {
        try (Stream<Path> files = Files.list(ROUTES)) {
            return files.filter(f -> f.toString().endsWith(".camel.yaml"))
                    .sorted()
                    .toList();
        }
    }

    /** The engine's route files, in the jar (src/main/resources/camel). */
    static List<Path> engineFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src", "main", "resources", "camel"))) {
            return files.filter(f -> f.toString().endsWith(".camel.yaml"))
                    .sorted()
                    .toList();
        }
    }

    static List<Path> templates(String prefix) throws IOException {
        try (Stream<Path> files = Files.list(ROUTES.resolve("templates"))) {
            List<Path> found = files.filter(f -> f.getFileName().toString().startsWith(prefix))
                    .sorted()
                    .toList();
            assertThat(found).as("templates starting " + prefix).isNotEmpty();
            return found;
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> items(Path file) throws IOException {
        return (List<Map<String, Object>>) new Yaml().load(Files.readString(file));
    }
}
