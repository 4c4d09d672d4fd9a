package io.callhook.intake;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * What the webhook requests in flight may hold, all together, in bytes ({@code callhook.webhook.memory}, a
 * fifth of the heap unless set): each reserves {@link #FACTOR} times its body (the body read, its bytes, its
 * text, the event parsed from it) before its body is read, and gives it back when answered. A request that
 * does not fit is answered 503 at once, with its connection closed so its body is never read: the platform
 * retries it. However many clients send bodies of up to the limit at once, they cannot hold more than this.
 */
final class BodyBudget implements Handler<RoutingContext> {

    static final int FACTOR = 5;
    /** The least a request reserves: its headers, its exchange, its answer. */
    static final long LEAST = 16 * 1024;

    private final long budget;
    private final long maxBody;
    private final AtomicLong free;
    private final LogBudget refusals;

    BodyBudget(long budget, long maxBody, LogBudget refusals) {
        this.budget = budget;
        this.maxBody = maxBody;
        this.free = new AtomicLong(budget);
        this.refusals = refusals;
    }

    @Override
    public void handle(RoutingContext context) {
        String length = context.request().getHeader("Content-Length");
        long bytes = maxBody;
        if (length != null) {
            try {
                bytes = Math.min(maxBody, Math.max(0, Long.parseLong(length.trim())));
            } catch (NumberFormatException unreadable) {
                // a chunked or odd length: as much as a body may be
            }
        }
        long cost = Math.max(LEAST, FACTOR * bytes);
        if (!reserve(cost)) {
            if (refusals.allows()) {
                org.slf4j.LoggerFactory.getLogger(BodyBudget.class)
                        .warn(
                                "A webhook of {} bytes was answered 503: the requests in flight hold the {} bytes"
                                        + " they may (callhook.webhook.memory)",
                                bytes,
                                budget);
            }
            context.response()
                    .setStatusCode(503)
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Retry-After", "1")
                    .putHeader("Connection", "close")
                    .end(IntakeErrors.body("too many deliveries in flight, retry later", List.of()));
            return;
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                free.addAndGet(cost);
            }
        };
        context.addEndHandler(ended -> release.run());
        context.request().connection().closeHandler(closed -> release.run());
        context.next();
    }

    private boolean reserve(long cost) {
        while (true) {
            long now = free.get();
            if (now < cost) {
                return false;
            }
            if (free.compareAndSet(now, now - cost)) {
                return true;
            }
        }
    }

    long free() {
        return free.get();
    }
}
