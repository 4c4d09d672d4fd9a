package io.callhook.destination;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.callhook.delivery.Holds;
import io.callhook.mail.SummaryMail;
import io.callhook.slack.SlackMessages;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.ExchangeBuilder;
import org.apache.camel.component.http.HttpMethods;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.util.ObjectHelper;
import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;

/**
 * A note of the service's own (an alert) through a declared destination: sent once, not recorded as a
 * delivery, and not while the destination's address is held by a {@code Retry-After}. Slack gets a mrkdwn
 * section, email a subject and text, a text destination the text; a JSON destination cannot carry one.
 */
@Component
public class Notes {

    private final Destinations destinations;
    private final Holds holds;
    private final ProducerTemplate producer;
    private final CamelContext camel;

    public Notes(Destinations destinations, Holds holds, ProducerTemplate producer, CamelContext camel) {
        this.destinations = destinations;
        this.holds = holds;
        this.producer = producer;
        this.camel = camel;
    }

    /** Sends the note; returns the failure, or empty when it was sent. */
    public Optional<String> send(String destinationName, String title, String text) {
        Optional<Destination> declared = destinations.get(destinationName);
        if (declared.isEmpty()) {
            return Optional.of("no destination named " + destinationName + " is declared");
        }
        Destination destination = declared.get();
        Optional<String> off = destinations.offReason(destinationName);
        if (off.isPresent()) {
            return off;
        }
        if (holds.until(destination.address()) != null) {
            return Optional.of(destinationName + " asked to wait (Retry-After): the note is told at the next check");
        }
        Map<String, Object> headers = new LinkedHashMap<>();
        String body;
        switch (destination.format()) {
            case SLACK -> {
                body = SlackMessages.note(title, text);
                headers.put(Exchange.HTTP_METHOD, HttpMethods.POST);
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
                headers.put(Exchange.HTTP_METHOD, HttpMethods.POST);
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
        Exchange note = ExchangeBuilder.anExchange(camel).withBody(body).build();
        note.getMessage().getHeaders().putAll(headers);
        if (!destination.url().isEmpty()) {
            note.getMessage().setHeader(Exchange.HTTP_URI, destination.url());
        }
        Exchange sent = producer.send(destination.uri(), note);
        Exception failure = sent.getException();
        if (failure == null) {
            return Optional.empty();
        }
        HttpOperationFailedException http = ObjectHelper.getException(HttpOperationFailedException.class, failure);
        if (http != null) {
            Holds.retryAfter(http).ifPresent(wait -> holds.hold(destination.address(), wait, destinationName));
            return Optional.of(destinations.mask("HTTP " + http.getStatusCode() + " from " + destinationName + ": "
                    + printable(http.getResponseBody(), 300)));
        }
        return Optional.of(destinations.mask(failure.getClass().getSimpleName() + " sending to " + destinationName
                + ": " + printable(failure.getMessage(), 300)));
    }

    private static String printable(String text, int max) {
        if (text == null) {
            return "";
        }
        String line = text.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ").strip();
        return line.length() <= max ? line : line.substring(0, max - 1) + "…";
    }
}
