package io.callhook.tracing;

import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributeType;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Spans leave the service without the path and query of any URL in them. Camel's tracer records the
 * address of each HTTP send ({@code http.url}, the endpoint's URI) and the message of a failure, and a
 * destination's address is its secret: a Slack or Teams incoming-webhook URL carries its token in the path,
 * a mail endpoint its password in the query. What remains is scheme and host, enough to tell Slack from the
 * CRM. Bodies and headers are not recorded by the tracer.
 */
final class RedactedSpans implements SpanExporter {

    /** a URL: scheme://, then up to a space or a quote */
    private static final Pattern URL = Pattern.compile("\\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\\s\"'<>]+");

    private final SpanExporter exporter;

    RedactedSpans(SpanExporter exporter) {
        this.exporter = exporter;
    }

    /** Each URL in the text cut to scheme://host[:port], without user or password; "/…" where more followed. */
    static String redact(String text) {
        return URL.matcher(text).replaceAll(match -> {
            String url = match.group();
            int start = url.indexOf("://") + 3;
            int end = start;
            while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
                end++;
            }
            String authority = url.substring(start, end);
            authority = authority.substring(authority.lastIndexOf('@') + 1);
            String kept = url.substring(0, start) + authority + (end < url.length() ? "/…" : "");
            return Matcher.quoteReplacement(kept);
        });
    }

    static Attributes redact(Attributes attributes) {
        AttributesBuilder redacted = Attributes.builder();
        attributes.forEach((key, value) -> {
            if (key.getType() == AttributeType.STRING) {
                redacted.put(AttributeKey.stringKey(key.getKey()), redact((String) value));
            } else {
                @SuppressWarnings("unchecked")
                AttributeKey<Object> same = (AttributeKey<Object>) key;
                redacted.put(same, value);
            }
        });
        return redacted.build();
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        List<SpanData> redacted = spans.stream()
                .<SpanData>map(span -> new DelegatingSpanData(span) {
                    private final Attributes attributes = redact(span.getAttributes());
                    private final List<EventData> events = span.getEvents().stream()
                            .map(event -> EventData.create(
                                    event.getEpochNanos(),
                                    event.getName(),
                                    redact(event.getAttributes()),
                                    event.getTotalAttributeCount()))
                            .toList();

                    @Override
                    public Attributes getAttributes() {
                        return attributes;
                    }

                    @Override
                    public List<EventData> getEvents() {
                        return events;
                    }
                })
                .toList();
        return exporter.export(redacted);
    }

    @Override
    public CompletableResultCode flush() {
        return exporter.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return exporter.shutdown();
    }
}
