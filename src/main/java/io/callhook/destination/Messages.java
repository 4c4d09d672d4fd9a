package io.callhook.destination;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callhook.call.CallFacts;
import io.callhook.call.MessageProperties;
import io.callhook.call.Presentation;
import io.callhook.delivery.Owed;
import io.callhook.mail.SummaryMail;
import io.callhook.slack.SlackMessages;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.component.http.HttpMethods;
import org.springframework.stereotype.Component;

/**
 * The two steps of the channel template around its {@code freemarker:} render: {@link #facts} gives the
 * template the call's facts, escaped for the destination's format (mrkdwn and JSON for Slack, JSON for a JSON
 * template, HTML for an email's HTML part) and names the template; {@link #fit} makes what was rendered into
 * what the destination accepts (Block Kit within Slack's limits, valid JSON, a one-line subject) with the
 * request's headers. Also renders a destination's message off the route, for the console's "what was sent",
 * {@code preview} and {@code validate} ({@link #message}).
 */
@Component("messages")
public class Messages {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Destinations destinations;
    private final Templates templates;
    private final SlackMessages slack;
    private final SummaryMail mail;
    private final CamelContext camel;
    private final Presentation presentation;
    private final Map<String, Expression> templateNames = new ConcurrentHashMap<>();

    public Messages(
            Destinations destinations,
            Templates templates,
            SlackMessages slack,
            SummaryMail mail,
            CamelContext camel,
            MessageProperties presentation) {
        this.presentation = presentation.presentation();
        this.destinations = destinations;
        this.templates = templates;
        this.slack = slack;
        this.mail = mail;
        this.camel = camel;
    }

    /** An event's facts as this service's messages show them (its time zone, its console's links). */
    public CallFacts callFacts(Map<String, Object> row) {
        return CallFacts.of(row, presentation);
    }

    /** A destination's message for one event: what is sent, and with which headers. */
    public record Message(String body, Map<String, Object> headers) {}

    /**
     * The delivery in the body (claimed by the queue) becomes what its destination's template is given, in the
     * body; variables: {@code format}, {@code event}, {@code outcome}, {@code template} (the template's name,
     * its expression resolved for this event), {@code address} and {@code perSecond} (the pace); for an email
     * also {@code textFacts} and {@code textTemplate}; for a destination that sends the event as received,
     * {@code payload}.
     */
    public void facts(Exchange exchange) {
        Owed owed = exchange.getProperty(Owed.PROPERTY, Owed.class);
        Destination destination = destination(owed.channel());
        CallFacts facts = callFacts(owed.event());
        exchange.setVariable("format", destination.format().name().toLowerCase(Locale.ROOT));
        exchange.setVariable("event", facts.event());
        exchange.setVariable("outcome", facts.outcome());
        exchange.setVariable("address", destination.address());
        exchange.setVariable("perSecond", destination.perSecond());
        exchange.getMessage().removeHeaders("*");
        if (!destination.template().isEmpty()) {
            exchange.setVariable("template", template(destination, exchange));
        }
        switch (destination.format()) {
            case SLACK -> exchange.getMessage().setBody(slack.model(facts));
            case JSON -> exchange.getMessage().setBody(jsonModel(facts));
            case TEXT -> exchange.getMessage().setBody(mail.text(facts));
            case EMAIL -> {
                exchange.getMessage().setBody(mail.html(facts));
                exchange.setVariable("textFacts", mail.text(facts));
                exchange.setVariable("textTemplate", textTemplate(exchange.getVariable("template", String.class)));
                exchange.setVariable("subjectTemplate", subjectTemplate(destination));
            }
            case PAYLOAD -> {
                exchange.setVariable("payload", owed.event().get("payload"));
                exchange.getMessage().setBody(owed.event().get("payload"));
            }
        }
    }

    /**
     * What the template rendered (the body; for an email, variables {@code subject} and {@code textBody} too)
     * becomes what the destination takes, with the request's headers: every other header is dropped (camel-mail
     * would make them mail headers, HTTP request headers).
     */
    public void fit(Exchange exchange) {
        Owed owed = exchange.getProperty(Owed.PROPERTY, Owed.class);
        Destination destination = destination(owed.channel());
        String rendered = exchange.getMessage().getBody(String.class);
        Map<String, Object> headers = new LinkedHashMap<>();
        String body = switch (destination.format()) {
            case SLACK -> {
                http(headers, destination, owed.deliveryId(), "application/json");
                yield slack.json(rendered);
            }
            case JSON -> {
                checkJson(rendered, exchange.getVariable("template", String.class));
                http(headers, destination, owed.deliveryId(), "application/json");
                yield rendered;
            }
            case TEXT -> {
                http(headers, destination, owed.deliveryId(), "text/plain; charset=UTF-8");
                yield rendered;
            }
            case PAYLOAD -> {
                http(headers, destination, owed.deliveryId(), "application/json");
                yield rendered;
            }
            case EMAIL -> {
                // one line, no control characters: payload text cannot add a header or a recipient
                headers.put("Subject", SummaryMail.subject(exchange.getVariable("subject", String.class)));
                headers.put("CamelMailAlternativeBody", exchange.getVariable("textBody", String.class));
                yield rendered;
            }
        };
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeaders(headers);
        if (!destination.url().isEmpty()) {
            exchange.getMessage().setHeader(Exchange.HTTP_URI, destination.url());
        }
        exchange.getMessage().setBody(body);
    }

    /**
     * The message the destination makes of an event ({@code facts}; {@code payload}, as received) with the
     * templates at {@code location}; {@code exchange} holds the variables a template name may depend on. What
     * the console, {@code validate} and {@code preview} render, sending nothing; the channel route renders the
     * same templates with the same values through {@code freemarker:}.
     */
    public Message message(
            Destination destination, String location, CallFacts facts, String payload, Exchange exchange) {
        exchange.setVariable("outcome", facts.outcome());
        exchange.setVariable("event", facts.event());
        Map<String, Object> headers = new LinkedHashMap<>();
        String deliveryId = facts.deliveryId();
        String body;
        switch (destination.format()) {
            case SLACK -> {
                body = slack.json(templates.render(location, template(destination, exchange), slack.model(facts)));
                http(headers, destination, deliveryId, "application/json");
            }
            case JSON -> {
                String name = template(destination, exchange);
                body = templates.render(location, name, jsonModel(facts));
                checkJson(body, name);
                http(headers, destination, deliveryId, "application/json");
            }
            case TEXT -> {
                body = templates.render(location, template(destination, exchange), mail.text(facts));
                http(headers, destination, deliveryId, "text/plain; charset=UTF-8");
            }
            case PAYLOAD -> {
                body = payload;
                http(headers, destination, deliveryId, "application/json");
            }
            case EMAIL -> {
                String html = template(destination, exchange);
                headers.put(
                        "Subject",
                        SummaryMail.subject(
                                templates.render(location, subjectTemplate(destination), mail.text(facts))));
                headers.put(
                        "CamelMailAlternativeBody", templates.render(location, textTemplate(html), mail.text(facts)));
                body = templates.render(location, html, mail.html(facts));
            }
            default -> throw new IllegalStateException("unknown format " + destination.format());
        }
        return new Message(body, headers);
    }

    /** The call's facts, each escaped for a JSON string: a JSON template writes them inside "…". */
    public static Map<String, String> jsonModel(CallFacts facts) {
        Map<String, String> model = facts.fields();
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        model.replaceAll((key, value) -> value == null ? CallFacts.NONE : new String(json.quoteAsString(value)));
        return model;
    }

    /** The destination's template, which may depend on the event ({@code slack-${variable.outcome}.json.ftl}). */
    private String template(Destination destination, Exchange exchange) {
        String template = destination.template();
        if (template.isEmpty()) {
            throw new IllegalArgumentException("destination " + destination.name() + " names no template");
        }
        String name = !template.contains("${")
                ? template
                : templateNames
                        .computeIfAbsent(
                                template, t -> camel.resolveLanguage("simple").createExpression(t))
                        .evaluate(exchange, String.class);
        if (name == null || name.isBlank() || name.contains("..") || name.startsWith("/") || name.contains("\\")) {
            throw new IllegalArgumentException(
                    "destination " + destination.name() + ": no template named '" + name + "'");
        }
        return name;
    }

    /** An email's plain-text part: the {@code .txt.ftl} twin of its HTML template. */
    static String textTemplate(String html) {
        return html == null ? null : html.replaceFirst("\\.html\\.ftl$", ".txt.ftl");
    }

    private static String subjectTemplate(Destination destination) {
        return destination.subject().isEmpty() ? "email-subject.txt.ftl" : destination.subject();
    }

    private static void checkJson(String body, String template) {
        try {
            JSON.readTree(body);
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    "template " + template + " did not render valid JSON: " + e.getMessage(), e);
        }
    }

    /** The request headers of an HTTP destination (harmless for others: a Kafka record's headers, say). */
    private static void http(
            Map<String, Object> headers, Destination destination, String deliveryId, String contentType) {
        // the enum camel-http reads: a String is converted on every send, a type-converter lookup each time
        headers.put(Exchange.HTTP_METHOD, HttpMethods.POST);
        headers.put(
                Exchange.CONTENT_TYPE, destination.contentType().isEmpty() ? contentType : destination.contentType());
        // the receiver deduplicates on it: a send repeated after a crash is recognisable
        headers.put("Idempotency-Key", deliveryId);
        if (destination.uri().startsWith("kafka:")) {
            // a Kafka record's key: events spread over the partitions, repeats of one event share one
            headers.put("kafka.KEY", deliveryId);
        }
        headers.putAll(destination.headers());
        if (!destination.token().isEmpty()) {
            headers.put("Authorization", "Bearer " + destination.token());
        }
    }

    private Destination destination(String name) {
        return destinations
                .get(name)
                .orElseThrow(() -> new IllegalStateException("no destination named '" + name + "' is declared"));
    }
}
