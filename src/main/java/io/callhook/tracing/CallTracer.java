package io.callhook.tracing;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Camel's OpenTelemetry tracer, with the spans of each step kept to the calls it traces. Camel excludes a
 * route's own span by its endpoint ({@code excludePatterns}) but still starts a span for each of its steps,
 * with no parent: the periodic jobs (recovery, alerts, retention) would each start a trace at every tick and
 * warn that the parent is missing. A step of an exchange that came from an excluded endpoint is not traced.
 * Tracing never fails a call: a name the exclusion cannot read (Camel resolves it as an endpoint URI) is
 * not traced rather than thrown at the step.
 */
class CallTracer extends OpenTelemetryTracer {

    private static final Logger log = LoggerFactory.getLogger(CallTracer.class);

    @Override
    public boolean exclude(String name, CamelContext camel) {
        try {
            return super.exclude(name, camel);
        } catch (RuntimeException e) {
            log.debug("Not traced: {}", e.toString());
            return true;
        }
    }

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
