package io.callhook.destination;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callhook.call.CallFacts;
import io.callhook.delivery.DeliveryFailures;
import io.callhook.delivery.DeliveryLedger;
import io.callhook.delivery.OutcomeNotRecorded;
import io.callhook.mail.SummaryMail;
import io.callhook.slack.SlackMessages;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.ExchangeBuilder;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.support.ExchangeHelper;
import org.apache.camel.util.ObjectHelper;
import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;

/**
 * The two steps of the channel template that make a send: {@link #render} turns the event into the
 * destination's message (by its format and template) and {@link #send} posts it, paced, counted as an attempt
 * under the claim, and read back as a verdict. A failure leaves as {@link SendFailed}: retryable or not, and
 * told without the destination's secrets. The retry policy (routes/error-handling.camel.yaml) retries the
 * whole send step, so each retry is paced and counted again.
 */
@Component("sends")
public class Sends {

    /** How long a destination may ask us to wait ({@code Retry-After}) before it is simply retried later. */
    static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Destinations destinations;
    private static final int RECORD_ATTEMPTS = 3;

    private final DeliveryLedger ledger;
    private final DeliveryFailures failures;
    private final Pacer pacer;
    private final Templates templates;
    private final SlackMessages slack;
    private final SummaryMail mail;
    private final ProducerTemplate producer;
    private final CamelContext camel;
    private final Map<String, Expression> templateNames = new ConcurrentHashMap<>();

    public Sends(
            Destinations destinations,
            DeliveryLedger ledger,
            DeliveryFailures failures,
            Pacer pacer,
            Templates templates,
            SlackMessages slack,
            SummaryMail mail,
            ProducerTemplate producer,
            CamelContext camel) {
        this.destinations = destinations;
        this.ledger = ledger;
        this.failures = failures;
        this.pacer = pacer;
        this.templates = templates;
        this.slack = slack;
        this.mail = mail;
        this.producer = producer;
        this.camel = camel;
    }

    /** A destination's message for one event: what is sent, and with which headers. */
    public record Message(String body, Map<String, Object> headers) {}

    /**
     * The message: the body and the headers the destination's format calls for; every header of the
     * dispatch is dropped first (camel-mail would turn them into mail headers, HTTP into request headers).
     */
    @SuppressWarnings("unchecked")
    public void render(Exchange exchange) {
        Destination destination = destination(exchange);
        Message message = message(
                destination,
                templates.location(),
                exchange.getMessage().getBody(Map.class),
                exchange.getVariable("payload", String.class),
                exchange);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeaders(new LinkedHashMap<>(message.headers()));
        exchange.getMessage().setBody(message.body());
        // the attempt's record names it: the console renders what was sent from it
        if (!destination.template().isEmpty()) {
            exchange.setVariable("template", template(destination, exchange));
        }
    }

    /**
     * The message the destination makes of this event ({@code envelope}, parsed; {@code payload}, as
     * received) with the templates at {@code location}; {@code exchange} holds the variables a template name
     * may depend on. Also what {@code validate} and {@code preview} render, without sending anything.
     */
    public Message message(
            Destination destination, String location, Map<String, Object> envelope, String payload, Exchange exchange) {
        Map<String, Object> headers = new LinkedHashMap<>();
        String body;
        switch (destination.format()) {
            case SLACK -> {
                body = slack.json(templates.render(location, template(destination, exchange), slack.model(envelope)));
                http(headers, destination, exchange, "application/json");
            }
            case JSON -> {
                String name = template(destination, exchange);
                body = templates.render(location, name, jsonModel(envelope));
                try {
                    JSON.readTree(body);
                } catch (Exception e) {
                    throw new IllegalArgumentException(
                            "template " + name + " did not render valid JSON: " + e.getMessage(), e);
                }
                http(headers, destination, exchange, "application/json");
            }
            case TEXT -> {
                body = templates.render(location, template(destination, exchange), mail.text(envelope));
                http(headers, destination, exchange, "text/plain; charset=UTF-8");
            }
            case PAYLOAD -> {
                body = payload;
                http(headers, destination, exchange, "application/json");
            }
            case EMAIL -> {
                String html = template(destination, exchange);
                String text = html.replaceFirst("\\.html\\.ftl$", ".txt.ftl");
                String subject = destination.subject().isEmpty() ? "email-subject.txt.ftl" : destination.subject();
                // one line, no control characters: payload text cannot add a header or a recipient
                headers.put("Subject", SummaryMail.subject(templates.render(location, subject, mail.text(envelope))));
                headers.put("CamelMailAlternativeBody", templates.render(location, text, mail.text(envelope)));
                body = templates.render(location, html, mail.html(envelope));
            }
            default -> throw new IllegalStateException("unknown format " + destination.format());
        }
        return new Message(body, headers);
    }

    /**
     * Posts the rendered message to the destination: waits for its pace, counts the attempt under the claim
     * (or stops, if the claim was taken over), sends a copy of the exchange (so a retry sends the same
     * message, not the answer to the last try), records it SENT, or turns a failure into a verdict.
     */
    public void send(Exchange exchange) throws InterruptedException {
        Destination destination = destination(exchange);
        pacer.await(destination);
        ledger.attempt(exchange);
        Exchange attempt = ExchangeHelper.createCopy(exchange, true);
        if (!destination.url().isEmpty()) {
            attempt.getMessage().setHeader(Exchange.HTTP_URI, destination.url());
        }
        long started = System.nanoTime();
        producer.send(destination.endpointUri(), attempt);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        Exception failure = attempt.getException();
        if (failure == null) {
            recordSent(exchange, took);
            return;
        }
        SendFailed verdict;
        HttpOperationFailedException http = ObjectHelper.getException(HttpOperationFailedException.class, failure);
        if (http != null) {
            int status = http.getStatusCode();
            retryAfter(http).ifPresent(wait -> pacer.hold(destination, wait));
            verdict = new SendFailed(
                    destinations.mask("HTTP " + status + " from " + destination.name() + ": "
                            + printable(http.getResponseBody(), 300)),
                    status == 408 || status == 425 || status == 429 || status >= 500);
        } else {
            verdict = new SendFailed(
                    destinations.mask(failure.getClass().getSimpleName() + " sending to " + destination.name() + ": "
                            + printable(failure.getMessage(), 500)),
                    failures.isTransient(failure));
        }
        ledger.attempted(exchange, took, verdict.getMessage());
        throw verdict;
    }

    /**
     * The destination took the message: it is recorded SENT in this same step. Nothing may come between an
     * accepted post and its record: a route stopped under a send (a live edit, a shutdown that ran out of
     * time) interrupts its thread, which fails a database call, and refuses the route's next step; either
     * would free the claim and send the message a second time. The interrupt is held back while the record
     * is written and raised again after it: the consumer thread still ends as its route asked. SENT is
     * written first (the timeline's attempt after it) and tried three times: a record that still fails
     * frees the claim, and recovery sends the message again later (at least once).
     */
    private void recordSent(Exchange exchange, Duration took) {
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    ledger.sent(exchange);
                    break;
                } catch (RuntimeException e) {
                    if (attempt == RECORD_ATTEMPTS) {
                        // not a failure of the send: no retry of the step, which would post the message again
                        throw new OutcomeNotRecorded(
                                exchange.getProperty("deliveryId", String.class),
                                exchange.getVariable("channel", String.class),
                                e);
                    }
                    // a database that blinked: the message was taken, only its record is tried again
                    try {
                        Thread.sleep(100L * attempt * attempt);
                    } catch (InterruptedException stop) {
                        interrupted = true;
                    }
                }
            }
            ledger.attempted(exchange, took, null);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A note of the service's own (an alert) through a declared destination: paced like its other sends, sent
     * once, not recorded in the ledger. Slack gets a mrkdwn section, email a subject and text, a text
     * destination the text; a JSON destination cannot carry one. Returns the failure, or empty when sent.
     */
    public Optional<String> note(String destinationName, String title, String text) throws InterruptedException {
        Optional<Destination> declared = destinations.get(destinationName);
        if (declared.isEmpty()) {
            return Optional.of("no destination named " + destinationName + " is declared");
        }
        Destination destination = declared.get();
        Optional<String> off = destinations.offReason(destinationName);
        if (off.isPresent()) {
            return off;
        }
        Map<String, Object> headers = new LinkedHashMap<>();
        String body;
        switch (destination.format()) {
            case SLACK -> {
                body = SlackMessages.note(title, text);
                headers.put(Exchange.HTTP_METHOD, "POST");
                headers.put(Exchange.CONTENT_TYPE, "application/json");
            }
            case EMAIL -> {
                headers.put("Subject", SummaryMail.subject(title));
                headers.put("CamelMailAlternativeBody", title + "\n\n" + text);
                body = "<p><strong>" + HtmlUtils.htmlEscape(title) + "</strong></p><pre>" + HtmlUtils.htmlEscape(text)
                        + "</pre>";
            }
            case TEXT -> {
                body = title + "\n" + text;
                headers.put(Exchange.HTTP_METHOD, "POST");
                headers.put(Exchange.CONTENT_TYPE, "text/plain; charset=UTF-8");
            }
            default -> {
                return Optional.of(
                        destinationName + " is a " + destination.format().name().toLowerCase(Locale.ROOT)
                                + " destination: a note goes to slack, email or text destinations");
            }
        }
        if (!destination.token().isEmpty()) {
            headers.put("Authorization", "Bearer " + destination.token());
        }
        pacer.await(destination);
        Exchange note = ExchangeBuilder.anExchange(camel).withBody(body).build();
        note.getMessage().getHeaders().putAll(headers);
        if (!destination.url().isEmpty()) {
            note.getMessage().setHeader(Exchange.HTTP_URI, destination.url());
        }
        Exchange sent = producer.send(destination.endpointUri(), note);
        Exception failure = sent.getException();
        if (failure == null) {
            return Optional.empty();
        }
        HttpOperationFailedException http = ObjectHelper.getException(HttpOperationFailedException.class, failure);
        if (http != null) {
            retryAfter(http).ifPresent(wait -> pacer.hold(destination, wait));
            return Optional.of(destinations.mask("HTTP " + http.getStatusCode() + " from " + destinationName + ": "
                    + printable(http.getResponseBody(), 300)));
        }
        return Optional.of(destinations.mask(failure.getClass().getSimpleName() + " sending to " + destinationName
                + ": " + printable(failure.getMessage(), 300)));
    }

    private Destination destination(Exchange exchange) {
        String name = exchange.getVariable("channel", String.class);
        return destinations
                .get(name)
                .orElseThrow(() -> new IllegalStateException("no destination named '" + name + "' is declared"));
    }

    /** The destination's template, which may depend on the event ({@code slack-${variable.outcome}.json.ftl}). */
    private String template(Destination destination, Exchange exchange) {
        String template = destination.template();
        if (template.isEmpty()) {
            throw new IllegalArgumentException("destination " + destination.name() + " names no template");
        }
        if (!template.contains("${")) {
            return template;
        }
        return templateNames
                .computeIfAbsent(template, t -> camel.resolveLanguage("simple").createExpression(t))
                .evaluate(exchange, String.class);
    }

    /** The request headers of an HTTP destination (harmless for others: a Kafka record's headers, say). */
    private static void http(
            Map<String, Object> headers, Destination destination, Exchange exchange, String contentType) {
        headers.put(Exchange.HTTP_METHOD, "POST");
        headers.put(
                Exchange.CONTENT_TYPE, destination.contentType().isEmpty() ? contentType : destination.contentType());
        // the receiver deduplicates on it: a send repeated after a crash is recognisable
        headers.put("Idempotency-Key", exchange.getProperty("deliveryId", String.class));
        headers.putAll(destination.headers());
        if (!destination.token().isEmpty()) {
            headers.put("Authorization", "Bearer " + destination.token());
        }
    }

    /** The call's facts, each escaped for a JSON string: a JSON template writes them inside "…". */
    public static Map<String, String> jsonModel(Map<String, Object> envelope) {
        Map<String, String> model = CallFacts.of(envelope).fields();
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        model.replaceAll((key, value) -> value == null ? CallFacts.NONE : new String(json.quoteAsString(value)));
        return model;
    }

    /** {@code Retry-After} of a 429 or 503: seconds, or an HTTP date; at most {@link #MAX_RETRY_AFTER}. */
    static Optional<Duration> retryAfter(HttpOperationFailedException failure) {
        int status = failure.getStatusCode();
        if (status != 429 && status != 503 || failure.getResponseHeaders() == null) {
            return Optional.empty();
        }
        String value = failure.getResponseHeaders().entrySet().stream()
                .filter(header -> "Retry-After".equalsIgnoreCase(header.getKey()))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        Duration wait;
        try {
            wait = Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException notSeconds) {
            try {
                wait = Duration.between(
                        ZonedDateTime.now(), ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
        if (wait.isNegative()) {
            return Optional.empty();
        }
        return Optional.of(wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait);
    }

    private static String printable(String text, int max) {
        if (text == null) {
            return "";
        }
        String line = text.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ").strip();
        return line.length() <= max ? line : line.substring(0, max - 1) + "…";
    }
}
