package io.callhook.delivery;

import java.util.concurrent.atomic.AtomicLong;

import org.springframework.stereotype.Component;

/**
 * What the sends in flight may hold of their events, all destinations together, in bytes
 * ({@code callhook.delivery.memory}, a fifth of the heap unless set). A send reserves {@link #FACTOR} times its
 * event's size as received (the values read back, the message rendered from them, the request): a claim takes
 * no more deliveries than fit, and what does not fit waits in the database, where it is already safe.
 */
@Component
public class SendMemory {

    /** What one byte of an event as received may cost in memory while it is sent. */
    static final int FACTOR = 4;
    /** The least a send reserves, however small its event: its exchange, headers and answer. */
    static final long LEAST = 16 * 1024;

    private final long budget;
    private final AtomicLong free;
    // a claim found no room since the last release: the next release wakes the destinations
    private volatile boolean wanted;

    public SendMemory(DeliveryProperties properties) {
        this.budget = properties.memoryBytes();
        this.free = new AtomicLong(budget);
    }

    /** What a send of an event of {@code bytes} reserves. */
    static long cost(long bytes) {
        return Math.max(LEAST, FACTOR * bytes);
    }

    /** Reserves the cost of a send of that size; false when it does not fit now. */
    boolean tryReserve(long bytes) {
        long cost = cost(bytes);
        while (true) {
            long now = free.get();
            // a send larger than the whole budget still goes, alone, when nothing else is held
            if (now < cost && now != budget) {
                wanted = true;
                return false;
            }
            if (free.compareAndSet(now, now - cost)) {
                return true;
            }
        }
    }

    /** Gives the reservation back; true when a claim had found no room meanwhile (it may now). */
    boolean release(long bytes) {
        free.addAndGet(cost(bytes));
        if (wanted) {
            wanted = false;
            return true;
        }
        return false;
    }

    long free() {
        return free.get();
    }

    long budget() {
        return budget;
    }
}
