package io.callhook.metrics;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Variable;
import org.springframework.stereotype.Component;

/**
 * The service's own numbers, next to Camel's route metrics at {@code /actuator/prometheus}:
 * {@code callhook_events_received_total{event,outcome}} and {@code callhook_deliveries_total{channel,status}}.
 * Label values come from a fixed set: an event name is a payload value, and a sender must not be able to
 * grow the metrics without bound.
 */
@Component("callhookMetrics")
public class CallhookMetrics {

    /** The platform's events, current and announced; anything else is counted as "other". */
    static final Set<String> EVENTS =
            Set.of("call.ended", "appointment.created", "appointment.cancelled", "sms.received", "contact.created");

    static final Set<String> OUTCOMES = Set.of("successful", "unsuccessful", "unknown", "other");

    private final MeterRegistry registry;
    // built once per label set: these run for every event and every send
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
    private final Map<String, Counter> deliveries = new ConcurrentHashMap<>();

    public CallhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** An accepted (stored, not duplicate) delivery; {@code outcome} is the call's, or "other". */
    public void eventReceived(@Variable("event") String event, @Variable("outcome") String outcome) {
        String name = EVENTS.contains(event) ? event : "other";
        String result = OUTCOMES.contains(outcome) ? outcome : "other";
        events.computeIfAbsent(
                        name + "|" + result,
                        key -> Counter.builder("callhook.events.received")
                                .description("Deliveries accepted and stored, by event and call outcome")
                                .tag("event", name)
                                .tag("outcome", result)
                                .register(registry))
                .increment();
    }

    /** A channel's delivery reached {@code status} (SENT, FAILED or SKIPPED). */
    public void delivery(String channel, String status) {
        deliveries
                .computeIfAbsent(
                        channel + "|" + status,
                        key -> Counter.builder("callhook.deliveries")
                                .description("Channel deliveries by final state")
                                .tag("channel", channel)
                                .tag("status", status)
                                .register(registry))
                .increment();
    }
}
