package io.callhook.routes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.callhook.call.CallFacts;
import io.callhook.destination.Messages;
import io.callhook.destination.Templates;
import io.callhook.digest.DigestReport;
import io.callhook.intake.IntakeProperties;
import io.callhook.intake.WebhookReader;
import io.callhook.mail.SummaryMail;
import io.callhook.routes.RoutesValidator.Problem;
import io.callhook.slack.SlackMessages;
import org.springframework.stereotype.Component;

/**
 * Renders every template with every sample payload the platform documents, through the same data the
 * routes give it: {@code *.json.ftl} must make a Slack message, {@code *.html.ftl} and {@code *.txt.ftl}
 * must render for the email, {@code digest*} templates must render the digest of the samples (and of none).
 */
@Component
class TemplateCheck {

    static final List<String> SAMPLES =
            List.of("call-ended", "call-ended-unsuccessful", "call-ended-unknown-outcome", "appointment-created");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Templates renderer;
    private final SlackMessages slack;
    private final SummaryMail mail;
    private final DigestReport digest;

    TemplateCheck(Templates renderer, SlackMessages slack, SummaryMail mail, DigestReport digest) {
        this.renderer = renderer;
        this.slack = slack;
        this.mail = mail;
        this.digest = digest;
    }

    /**
     * Adds a problem per template that fails; returns how many templates were checked. The templates a
     * destination uses ({@code byDestinations}) were rendered as it sends them; the rest are rendered by what
     * their name says: {@code slack*.json.ftl} a Slack message, another {@code .json.ftl} JSON, {@code .html.ftl}
     * and {@code .txt.ftl} an email's parts, {@code digest*} the digest.
     */
    int check(Path dir, Set<String> byDestinations, List<Problem> problems) {
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
            if (name.startsWith("digest")) {
                checkDigest(template, name, problems);
                continue;
            }
            if (byDestinations.contains(name)) {
                continue;
            }
            for (String sample : SAMPLES) {
                CallFacts facts = facts(sample);
                try {
                    if (name.endsWith(".json.ftl") && name.startsWith("slack")) {
                        slack.message(render(template, slack.model(facts)));
                    } else if (name.endsWith(".json.ftl")) {
                        JSON.readTree(render(template, Messages.jsonModel(facts)));
                    } else if (name.endsWith(".html.ftl")) {
                        render(template, mail.html(facts));
                    } else {
                        render(template, mail.text(facts));
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

    /** A digest template sees the figures of the sample calls, and of no calls at all. */
    private void checkDigest(Path template, String name, List<Problem> problems) {
        boolean html = name.endsWith(".html.ftl");
        List<Map<String, Object>> samples =
                SAMPLES.stream().map(TemplateCheck::sample).toList();
        for (List<Map<String, Object>> calls : List.of(samples, List.<Map<String, Object>>of())) {
            try {
                render(template, digest.sample(calls, html));
            } catch (Exception e) {
                problems.add(new Problem(
                        template,
                        RoutesValidator.lineOf(e),
                        "does not render for " + calls.size() + " sample call(s): " + RoutesValidator.describe(e)));
                return;
            }
        }
    }

    private String render(Path template, Object data) {
        return renderer.render(
                "file:" + template.toAbsolutePath().getParent(),
                template.getFileName().toString(),
                data);
    }

    /** The sample as the platform sends it: the payload text a destination of format payload sends. */
    static String json(Map<String, Object> envelope) {
        try {
            return JSON.writeValueAsString(envelope);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The sample's facts, read as intake reads the payload and as a send reads them back, with a console link (so
     * a template's link is rendered too).
     */
    static CallFacts facts(String name) {
        WebhookReader.Event event =
                READER.event(json(sample(name)).getBytes(java.nio.charset.StandardCharsets.UTF_8), null, null);
        return CallFacts.of(event.row(), CHECKED_WITH);
    }

    private static final io.callhook.call.Presentation CHECKED_WITH =
            new io.callhook.call.Presentation(java.time.ZoneId.of("UTC"), "https://callhook.example.com/console");

    private static final WebhookReader READER = new WebhookReader(IntakeProperties.defaults());

    @SuppressWarnings("unchecked")
    static Map<String, Object> sample(String name) {
        try (InputStream in = TemplateCheck.class.getResourceAsStream("/samples/" + name + ".json")) {
            return JSON.readValue(in, Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
