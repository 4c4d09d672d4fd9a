package io.callhook.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.callhook.intake.LogBudget;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ShutdownRunningTask;
import org.apache.camel.spi.ShutdownAware;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One destination's senders: each of {@code consumers} threads claims a batch of the destination's due
 * deliveries (as many as its pace sends in about ten seconds, when it has one; as many as fit the senders'
 * memory), sends them one by one through the route (an exchange each, the delivery in its body and in property
 * {@link Owed#PROPERTY}), and claims the next. With nothing due it waits for a wake-up (a commit of this
 * instance that owes the destination something), its next retry, or the poll interval; while its address
 * is held by a {@code Retry-After}, or it is off, it claims nothing.
 *
 * <p>A delivery whose exchange ends without a verdict (the route stopped under it, a live edit) and the
 * deliveries of a batch not reached when the consumer stops are given back at once, for the next consumer of
 * this or any instance. A stop does not wait for the batch: it waits for the sends in flight, no more.
 */
class DeliveriesConsumer extends DefaultConsumer implements ShutdownAware {

    /** Exchange property: set when the exchange's delivery got a verdict (recorded, or deferred). */
    static final String VERDICT = "callhookVerdict";
    /** Exchange property: set when a send was cut short (a stop), so its claim is given back. */
    static final String UNFINISHED = "callhookUnfinished";
    /** Exchange property: set when a verdict could not be written: the claim is left to run out. */
    static final String UNRECORDED = "callhookUnrecorded";
    /** Exchange property: when the send itself began (the pace step sets it), for the timeline. */
    static final String SENDING_SINCE = "callhookSendingSince";

    private static final Logger log = LoggerFactory.getLogger(DeliveriesConsumer.class);

    private final DeliveriesEndpoint endpoint;
    private final DeliveriesComponent component;
    private final String channel;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final AtomicLong batches = new AtomicLong();
    private final Map<String, Batch> live = new ConcurrentHashMap<>();
    private final LogBudget claimFailures;
    private volatile boolean running;
    private volatile long woken;
    private volatile long nextDueNanos = Long.MAX_VALUE;
    private final List<Thread> threads = new ArrayList<>();

    /** A claimed batch: its token, its deliveries not finished yet. */
    private record Batch(String token, Set<String> open) {}

    DeliveriesConsumer(DeliveriesEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
        this.component = endpoint.getComponent();
        this.channel = endpoint.getChannel();
        this.claimFailures = new LogBudget(log, "failed claims of " + channel, 3, Duration.ofMinutes(1));
    }

    String channel() {
        return channel;
    }

    /**
     * Something is owed now: one waiting sender looks at once (a busy one sees it when its batch is done; a
     * commit waking every idle sender of a destination would have them all claim for one delivery).
     */
    void wake() {
        lock.lock();
        try {
            woken++;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The stop: every waiting sender ends. */
    private void wakeAll() {
        lock.lock();
        try {
            woken++;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        running = true;
        try {
            int freed = component.queue.releasePreviousRun(channel);
            if (freed > 0) {
                log.info("{}: took back {} delivery(ies) claimed by this instance's previous run", channel, freed);
            }
        } catch (RuntimeException e) {
            log.warn(
                    "{}: could not take back the previous run's claims now (their leases run out): {}",
                    channel,
                    e.toString());
        }
        component.started(this);
        for (int i = 0; i < endpoint.getConsumers(); i++) {
            Thread thread = new Thread(this::send, "deliveries-" + channel + "-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    @Override
    protected void doStop() throws Exception {
        running = false;
        component.stopped(this);
        wakeAll();
        for (Thread thread : threads) {
            // a thread waiting for work or for a pace ends at once; one in the middle of a send finishes it
            if (thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING) {
                thread.interrupt();
            }
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(15));
        }
        threads.clear();
        super.doStop();
    }

    /** One sender: claim, send each, give back what is left, again. */
    private void send() {
        while (running) {
            long seen = woken;
            Senders.Sender sender = component.senders.sender(channel).orElse(null);
            if (sender == null || sender.offReason() != null) {
                await(seen, component.properties.poll());
                continue;
            }
            Duration held = component.holds.remaining(sender.address());
            if (!held.isZero()) {
                pause(min(held, component.properties.poll()));
                continue;
            }
            int most = batchSize(sender);
            List<Owed> batch = claim(sender, most);
            if (batch == null) {
                await(seen, component.properties.poll());
                continue;
            }
            if (batch.isEmpty()) {
                long due = nextDueNanos - System.nanoTime();
                Duration wait = component.properties.poll();
                if (due > 0 && due < wait.toNanos()) {
                    wait = Duration.ofNanos(due);
                }
                await(seen, wait);
                continue;
            }
            if (batch.size() >= most) {
                // A full batch: more is likely due. Another sender that found nothing a moment ago (it queried
                // while this one held the rows, which SKIP LOCKED passes by) claims the next batch now rather
                // than at its next poll; it wakes the next in turn.
                wake();
            }
            sendAll(batch);
        }
    }

    /** As many as the destination's pace sends in about ten seconds, when it has one; the endpoint's batch. */
    private int batchSize(Senders.Sender sender) {
        int most = endpoint.getBatch();
        if (sender.perSecond() > 0) {
            most = Math.max(1, Math.min(most, sender.perSecond() * 10 / endpoint.getConsumers()));
        }
        return most;
    }

    /** The next batch, null when claiming failed (the database away a moment). */
    private List<Owed> claim(Senders.Sender sender, int most) {
        List<Long> reserved = new ArrayList<>();
        String token = component.queue.token(batches.incrementAndGet());
        try {
            List<Owed> batch = component.queue.claim(
                    channel,
                    most,
                    bytes -> {
                        if (component.memory.tryReserve(bytes)) {
                            reserved.add(bytes);
                            return true;
                        }
                        return false;
                    },
                    token,
                    component.lease(),
                    sender.readsPayload(),
                    sender.readsTranscript());
            // what was reserved for rows not claimed after all (another instance took them) is given back
            long claimedBytes = batch.stream().mapToLong(Owed::bytes).sum();
            long reservedBytes = reserved.stream().mapToLong(Long::longValue).sum();
            for (Long bytes : reserved) {
                if (reservedBytes <= claimedBytes) {
                    break;
                }
                component.memory.release(bytes);
                reservedBytes -= bytes;
            }
            return batch;
        } catch (RuntimeException e) {
            reserved.forEach(component.memory::release);
            if (claimFailures.allows()) {
                log.warn("{}: could not claim deliveries, trying again in a moment: {}", channel, e.toString());
            }
            return null;
        }
    }

    private void sendAll(List<Owed> owed) {
        String token = owed.get(0).token();
        Set<String> open = ConcurrentHashMap.newKeySet();
        owed.forEach(o -> open.add(o.deliveryId()));
        live.put(token, new Batch(token, open));
        List<String> unfinished = new ArrayList<>();
        List<String> leftToRunOut = new ArrayList<>();
        try {
            for (Owed delivery : owed) {
                if (!running) {
                    unfinished.add(delivery.deliveryId());
                    continue;
                }
                try {
                    Outcome outcome = sendOne(delivery);
                    if (outcome == Outcome.UNFINISHED) {
                        unfinished.add(delivery.deliveryId());
                    } else if (outcome == Outcome.UNRECORDED) {
                        leftToRunOut.add(delivery.deliveryId());
                    }
                } finally {
                    open.remove(delivery.deliveryId());
                    if (component.memory.release(delivery.bytes())) {
                        component.roomFreed();
                    }
                }
            }
        } finally {
            live.remove(token);
            giveBack(unfinished, token);
            if (!leftToRunOut.isEmpty()) {
                log.warn(
                        "{}: {} delivery(ies) sent whose outcome could not be recorded: sent again once their lease"
                                + " runs out ({} s)",
                        channel,
                        leftToRunOut.size(),
                        component.lease().toSeconds());
            }
        }
    }

    /** What became of one delivery's exchange. */
    private enum Outcome {
        DECIDED,
        UNFINISHED,
        UNRECORDED
    }

    private static boolean decided(Exchange exchange) {
        return Boolean.TRUE.equals(exchange.getProperty(VERDICT, Boolean.class))
                || Boolean.TRUE.equals(exchange.getProperty(UNRECORDED, Boolean.class))
                || Boolean.TRUE.equals(exchange.getProperty(UNFINISHED, Boolean.class));
    }

    /** Sends one delivery through the route. */
    private Outcome sendOne(Owed owed) {
        Exchange exchange = createExchange(false);
        try {
            exchange.setProperty(Owed.PROPERTY, owed);
            exchange.setProperty("deliveryId", owed.deliveryId());
            exchange.getMessage().setBody(owed);
            Object traceParent = owed.event().get("traceParent");
            if (traceParent != null) {
                exchange.getMessage().setHeader("traceparent", traceParent);
            }
            MDC.put("deliveryId", owed.deliveryId());
            Object callId = owed.event().get("callId");
            if (callId != null) {
                MDC.put("callId", callId.toString());
            }
            getProcessor().process(exchange);
            Exception unhandled = exchange.getException();
            if (unhandled != null && !decided(exchange)) {
                // A defect, not the destination's answer: counted as a failed try like any other, so that it
                // backs off and ends FAILED with the reason rather than being claimed again at once, forever.
                log.error(
                        "Delivery {} {}: its send ended with an error no step handled: {}",
                        owed.deliveryId(),
                        channel,
                        unhandled.toString());
                exchange.setException(null);
                exchange.setProperty(Exchange.EXCEPTION_CAUGHT, unhandled);
                component.verdicts().failed(exchange);
            }
            Duration retry = exchange.getProperty(Verdicts.RETRY_IN, Duration.class);
            if (retry != null) {
                nextDueNanos = Math.min(nextDueNanos, System.nanoTime() + retry.toNanos());
            }
            if (Boolean.TRUE.equals(exchange.getProperty(UNRECORDED, Boolean.class))) {
                return Outcome.UNRECORDED;
            }
            return Boolean.TRUE.equals(exchange.getProperty(VERDICT, Boolean.class))
                            && !Boolean.TRUE.equals(exchange.getProperty(UNFINISHED, Boolean.class))
                    ? Outcome.DECIDED
                    : Outcome.UNFINISHED;
        } catch (Exception e) {
            log.error("Delivery {} {}: its send could not run: {}", owed.deliveryId(), channel, e.toString());
            return Outcome.UNFINISHED;
        } finally {
            MDC.remove("deliveryId");
            MDC.remove("callId");
            releaseExchange(exchange, false);
        }
    }

    private void giveBack(List<String> deliveryIds, String token) {
        if (deliveryIds.isEmpty()) {
            return;
        }
        try {
            component.queue.release(channel, deliveryIds, token);
            log.info("{}: gave back {} delivery(ies) not sent here, for the next sender", channel, deliveryIds.size());
        } catch (RuntimeException e) {
            log.warn(
                    "{}: could not give back {} delivery(ies) now, their leases run out instead: {}",
                    channel,
                    deliveryIds.size(),
                    e.toString());
        }
    }

    /** The leases of this consumer's batches in flight last another lease from now. */
    void renew(Duration lease) {
        for (Batch batch : live.values()) {
            try {
                component.queue.renew(channel, batch.open(), batch.token(), lease);
            } catch (RuntimeException e) {
                log.warn(
                        "{}: could not renew the lease of a batch, it may be sent again elsewhere: {}",
                        channel,
                        e.toString());
            }
        }
    }

    /** Waits {@code most} whatever is committed meanwhile (a pause its address asked for), or until the stop. */
    private void pause(Duration most) {
        lock.lock();
        try {
            long nanos = most.toNanos();
            while (running && nanos > 0) {
                nanos = wake.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            // a stop: the loop sees it
        } finally {
            lock.unlock();
        }
    }

    /** Waits until woken after {@code seen} (a wake-up counter), or {@code most} has passed, or the stop. */
    private void await(long seen, Duration most) {
        lock.lock();
        try {
            long nanos = most.toNanos();
            while (running && woken == seen && nanos > 0) {
                nanos = wake.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            // a stop: the loop sees it
        } finally {
            lock.unlock();
        }
        if (nextDueNanos != Long.MAX_VALUE && nextDueNanos <= System.nanoTime()) {
            nextDueNanos = Long.MAX_VALUE;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    // A stop does not wait for the deliveries a batch has not reached: they are given back, not pending here

    @Override
    public boolean deferShutdown(ShutdownRunningTask task) {
        return false;
    }

    @Override
    public int getPendingExchangesSize() {
        return 0;
    }

    @Override
    public void prepareShutdown(boolean suspendOnly, boolean forced) {
        running = false;
        wakeAll();
    }
}
