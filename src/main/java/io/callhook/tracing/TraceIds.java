package io.callhook.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Route;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.spi.RoutePolicyFactory;
import org.apache.camel.support.RoutePolicySupport;
import org.slf4j.MDC;

/**
 * Puts the trace id of the span Camel's tracer has just started for a route into exchange property
 * {@code traceId} and the log lines of the thread (MDC, logging.pattern.correlation), and the span's W3C trace
 * context into property {@code traceParent}: intake stores it with the event, and each later send of the
 * event continues that trace, whichever instance sends it. Added after the tracer's own route policy, so its
 * span is the current one when this runs.
 */
final class TraceIds implements RoutePolicyFactory {

    @Override
    public RoutePolicy createRoutePolicy(CamelContext camel, String routeId, NamedNode route) {
        return new RoutePolicySupport() {
            @Override
            public void onExchangeBegin(Route route, Exchange exchange) {
                SpanContext span = Span.current().getSpanContext();
                if (span.isValid()) {
                    exchange.setProperty("traceId", span.getTraceId());
                    MDC.put("traceId", span.getTraceId());
                    if (exchange.getProperty("traceParent") == null) {
                        exchange.setProperty(
                                "traceParent",
                                "00-" + span.getTraceId() + "-" + span.getSpanId() + "-"
                                        + span.getTraceFlags().asHex());
                    }
                }
            }

            @Override
            public void onExchangeDone(Route route, Exchange exchange) {
                MDC.remove("traceId");
            }
        };
    }
}
