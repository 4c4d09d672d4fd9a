package io.callhook.tracing;

import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;

/**
 * Camel's OpenTelemetry tracer, with the spans of each step kept to the calls it traces. Camel excludes a
 * route's own span by its endpoint ({@code excludePatterns}) but still starts a span for each of its steps,
 * with no parent: the periodic jobs (recovery, alerts, retention) would each start a trace at every tick and
 * warn that the parent is missing. A step of an exchange that came from an excluded endpoint is not traced.
 */
class CallTracer extends OpenTelemetryTracer {

    @Override
    protected void beginProcessorSpan(Exchange exchange, String processorName) throws Exception {
        if (traced(exchange)) {
            super.beginProcessorSpan(exchange, processorName);
        }
    }

    @Override
    protected void endProcessorSpan(Exchange exchange, String processorName) throws Exception {
        if (traced(exchange)) {
            super.endProcessorSpan(exchange, processorName);
        }
    }

    private boolean traced(Exchange exchange) {
        Endpoint from = exchange.getFromEndpoint();
        return from == null || !exclude(from.getEndpointUri(), exchange.getContext());
    }
}
