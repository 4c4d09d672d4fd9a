package io.callhook.tracing;

import java.util.Map;

import io.callhook.db.InstanceId;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import org.apache.camel.CamelContext;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Traces with OpenTelemetry, on when {@code OTEL_EXPORTER_OTLP_ENDPOINT} (the standard variable) is set, and
 * then configured by the standard {@code OTEL_*} variables; nothing of it is created otherwise. Camel's
 * tracer starts a span for each route an event passes through and for each of its steps (the audit commit,
 * the hand-off, the routing table, each destination's render and send), continues the trace of a
 * {@code traceparent} the webhook carries, and passes it on in the hand-off's headers (Kafka's included),
 * so one call is one trace across instances. Its trace id is added to every log line of the event.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("otel.exporter.otlp.endpoint")
class Tracing {

    private static final Logger log = LoggerFactory.getLogger(Tracing.class);

    /** Defaults the standard variables override: traces only, over OTLP/HTTP (the JDK's client). */
    private static final Map<String, String> DEFAULTS = Map.of(
            "otel.service.name", "callhook",
            "otel.traces.exporter", "otlp",
            "otel.metrics.exporter", "none",
            "otel.logs.exporter", "none",
            "otel.exporter.otlp.protocol", "http/protobuf",
            // W3C trace context only: baggage a caller sends would otherwise be passed on to every destination
            "otel.propagators", "tracecontext");

    @Bean(destroyMethod = "close")
    OpenTelemetrySdk openTelemetry(InstanceId instance) {
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> DEFAULTS)
                .addSpanExporterCustomizer((exporter, config) -> new RedactedSpans(exporter))
                .addResourceCustomizer((resource, config) -> resource.merge(
                        Resource.create(Attributes.of(AttributeKey.stringKey("service.instance.id"), instance.id()))))
                .disableShutdownHook()
                .build()
                .getOpenTelemetrySdk();
        log.info("Tracing on: spans exported over OTLP");
        return sdk;
    }

    @Bean
    Tracer openTelemetryTracer(OpenTelemetrySdk sdk) {
        return sdk.getTracer("callhook");
    }

    @Bean
    ContextPropagators openTelemetryPropagators(OpenTelemetrySdk sdk) {
        return sdk.getPropagators();
    }

    /** Camel's tracer, given the tracer and propagators above (it looks them up by type). */
    @Bean
    OpenTelemetryTracer camelTracer(CamelContext camel, Tracer tracer, ContextPropagators propagators) {
        OpenTelemetryTracer camelTracer = new CallTracer();
        // a span per step, named "<step id>-<kind>" (store-audit-row-bean, slack-send-bean): the audit
        // commit and each destination's send show as their own spans
        camelTracer.setTraceProcessors(true);
        // the periodic jobs (recovery, alerts, backlog samples, retention) are not calls
        camelTracer.setExcludePatterns("timer:*");
        camelTracer.init(camel);
        camel.addRoutePolicyFactory(new TraceIds());
        return camelTracer;
    }
}
