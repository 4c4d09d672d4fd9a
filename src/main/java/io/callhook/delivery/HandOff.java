package io.callhook.delivery;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.callhook.intake.LogBudget;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.processor.SendProcessor;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Hands a stored event to the routing table through the endpoint {@code callhook.dispatch.uri}: from intake
 * once the audit row is committed, from recovery, from a replay. The message is the payload as received,
 * with the delivery id in header {@code CallhookDeliveryId} (and the trace context, when tracing is on).
 *
 * <p>An in-process queue ({@code seda:}, the default) takes the event on the caller's thread, at once or
 * not at all (a full queue drops the hand-off). Any other endpoint is a broker ({@code kafka:…}): its send
 * waits for the broker's acknowledgement, and a broker that is down makes the client wait for metadata
 * ({@code max.block.ms}) and for the record's delivery ({@code delivery.timeout.ms}). None of that may hold a
 * webhook, so a broker is sent to from a thread of this class, after the answer, through a bounded queue;
 * a send that cannot be queued or that fails is only logged. Either way the event's {@code dispatch_outbox}
 * row stays until the routing table has recorded it, so a lost hand-off is found by recovery, never lost.
 */
@Component("dispatchHandOff")
public class HandOff implements DisposableBean {

    /** While the broker fails, recovery offers it this many events a pass: enough to notice it is back. */
    static final int PROBE = 20;

    private static final Logger log = LoggerFactory.getLogger(HandOff.class);

    private final CamelContext camel;
    private final String uri;
    private final ThreadPoolExecutor sender;
    private final LogBudget failures = new LogBudget(log, "failed hand-offs", 5, Duration.ofMinutes(1));
    private final AtomicLong lastFailure = new AtomicLong();
    private final AtomicLong lastSuccess = new AtomicLong();

    private volatile Target target;

    public HandOff(
            CamelContext camel,
            @Value("${callhook.dispatch.uri}") String uri,
            @Value("${callhook.dispatch.broker-queue:1000}") int brokerQueue) {
        this.camel = camel;
        this.uri = uri;
        this.sender =
                new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(brokerQueue), runnable -> {
                    Thread thread = new Thread(runnable, "callhook-hand-off");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /**
     * Intake: the event on the exchange (variable {@code payload}, property {@code deliveryId}). The row is
     * committed: whatever goes wrong here (an endpoint that cannot be created or started) is a failed hand-off,
     * logged, never the webhook's answer.
     */
    public void handOff(Exchange exchange) {
        String deliveryId = exchange.getProperty("deliveryId", String.class);
        try {
            offer(deliveryId, exchange.getVariable("payload", String.class), exchange);
        } catch (RuntimeException e) {
            failed(deliveryId, e);
        }
    }

    /**
     * Hands the event over; true when the hand-off took it (an in-process queue accepted it, or a broker's
     * send was queued). The caller's exchange, when there is one, lends its properties (the delivery id and
     * call id that log lines carry, the current trace span).
     */
    public boolean offer(String deliveryId, String payload, Exchange caller) {
        Target to = target();
        Exchange message = new DefaultExchange(camel, ExchangePattern.InOnly);
        if (caller != null) {
            message.getProperties().putAll(caller.getProperties());
        }
        message.setProperty("deliveryId", deliveryId);
        message.getMessage().setBody(payload);
        message.getMessage().setHeader("CallhookDeliveryId", deliveryId);
        if (!to.inProcess()) {
            // Kafka's record key: events spread over the partitions, and repeats of one event share one
            message.getMessage().setHeader("kafka.KEY", deliveryId);
        }
        if (to.inProcess()) {
            to.processor().process(message, doneSync -> {});
            if (message.getException() != null) {
                failed(deliveryId, message.getException());
                return false;
            }
            return true;
        }
        try {
            sender.execute(() -> to.processor().process(message, doneSync -> {
                if (message.getException() != null) {
                    failed(deliveryId, message.getException());
                } else {
                    lastSuccess.set(System.nanoTime());
                }
            }));
            return true;
        } catch (RejectedExecutionException full) {
            failed(deliveryId, new IllegalStateException("the hand-off queue is full"));
            return false;
        }
    }

    /**
     * How many events the hand-off takes now: an in-process queue's room; a broker's send queue's room, or a
     * few (a probe) while the broker's last send failed.
     */
    public int room() {
        Target to = target();
        if (to.endpoint() instanceof SedaEndpoint seda) {
            return seda.getQueue().remainingCapacity();
        }
        int queued = sender.getQueue().remainingCapacity();
        return lastFailure.get() > lastSuccess.get() ? Math.min(PROBE, queued) : queued;
    }

    /** Whether the hand-off goes to a broker rather than to a queue in this process. */
    public boolean toBroker() {
        return !target().inProcess();
    }

    private void failed(String deliveryId, Exception cause) {
        lastFailure.set(System.nanoTime());
        if (failures.allows()) {
            log.warn(
                    "Delivery {} is stored but its hand-off to dispatch failed, it stays owed and recovery hands it"
                            + " over again: {}",
                    deliveryId,
                    cause.getMessage());
        }
    }

    private Target target() {
        Target to = target;
        if (to == null) {
            synchronized (this) {
                to = target;
                if (to == null) {
                    Endpoint endpoint = camel.getEndpoint(uri);
                    SendProcessor processor = new SendProcessor(endpoint, ExchangePattern.InOnly);
                    ServiceHelper.startService(processor);
                    to = new Target(endpoint, processor, endpoint instanceof SedaEndpoint);
                    target = to;
                }
            }
        }
        return to;
    }

    @Override
    public void destroy() throws InterruptedException {
        sender.shutdown();
        if (!sender.awaitTermination(5, TimeUnit.SECONDS)) {
            log.warn(
                    "{} hand-off(s) to the broker were not sent before the stop; they stay owed",
                    sender.getQueue().size());
            sender.shutdownNow();
        }
        Target to = target;
        if (to != null) {
            ServiceHelper.stopAndShutdownService(to.processor());
        }
    }

    private record Target(Endpoint endpoint, AsyncProcessor processor, boolean inProcess) {}
}
