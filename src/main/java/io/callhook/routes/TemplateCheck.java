package io.callhook.routes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.callhook.mail.SummaryMail;
import io.callhook.routes.RoutesValidator.Problem;
import io.callhook.slack.SlackMessages;
import org.apache.camel.ProducerTemplate;
import org.springframework.stereotype.Component;

/**
 * Renders every template with every sample payload the platform documents, through the same data the
 * routes give it: {@code *.json.ftl} must make a Slack message, {@code *.html.ftl} and {@code *.txt.ftl}
 * must render for the email.
 */
@Component
class TemplateCheck {

    static final List<String> SAMPLES =
            List.of("call-ended", "call-ended-unsuccessful", "call-ended-unknown-outcome", "appointment-created");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProducerTemplate producer;
    private final SlackMessages slack;
    private final SummaryMail mail;

    TemplateCheck(ProducerTemplate producer, SlackMessages slack, SummaryMail mail) {
        this.producer = producer;
        this.slack = slack;
        this.mail = mail;
    }

    /** Adds a problem per template that fails; returns how many templates were checked. */
    int check(Path dir, List<Problem> problems) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> templates;
        try (Stream<Path> files = Files.list(dir)) {
            templates = files.filter(f -> f.getFileName().toString().endsWith(".ftl"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path template : templates) {
            String name = template.getFileName().toString();
            for (String sample : SAMPLES) {
                Map<String, Object> envelope = sample(sample);
                try {
                    if (name.endsWith(".json.ftl")) {
                        slack.message(render(template, slack.model(envelope)));
                    } else if (name.endsWith(".html.ftl")) {
                        render(template, mail.html(envelope));
                    } else {
                        render(template, mail.text(envelope));
                    }
                } catch (Exception e) {
                    problems.add(new Problem(
                            template,
                            RoutesValidator.lineOf(e),
                            "does not render for sample " + sample + ": " + RoutesValidator.describe(e)));
                    break;
                }
            }
        }
        return templates.size();
    }

    private String render(Path template, Object data) {
        return producer.requestBody(
                "freemarker:file:" + template.toAbsolutePath() + "?contentCache=false", data, String.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> sample(String name) {
        try (InputStream in = TemplateCheck.class.getResourceAsStream("/samples/" + name + ".json")) {
            return JSON.readValue(in, Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
