package io.callhook.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.springframework.stereotype.Component;

/**
 * {@code callhook_intake_seconds{status}}: from a webhook request's arrival to the end of its answer, as the
 * platform waits for it. A handler of the webhook listener (io.callhook.intake.WebhookServer), ahead of the
 * route, so answers given before the route runs (413) are timed too.
 */
@Component
public class IntakeTimer implements Handler<RoutingContext> {

    private final MeterRegistry registry;
    private final Map<Integer, Timer> timers = new ConcurrentHashMap<>();

    IntakeTimer(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void handle(RoutingContext context) {
        Timer.Sample sample = Timer.start(registry);
        context.addEndHandler(ended -> sample.stop(timer(context.response().getStatusCode())));
        context.next();
    }

    private Timer timer(int status) {
        // one timer per status, built once: this runs for every webhook
        return timers.computeIfAbsent(
                status,
                code -> Timer.builder("callhook.intake")
                        .description("Time to answer a webhook delivery")
                        .tag("status", Integer.toString(code))
                        .publishPercentileHistogram()
                        // the console's p50 and p99 of the last minutes, from the same histogram
                        .publishPercentiles(0.5, 0.99)
                        .register(registry));
    }
}
