package io.callhook.intake;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;

/**
 * A budget of log lines per window for one kind of line written on the request path (a refused delivery,
 * a 503). The console appender blocks its callers when its queue is full, so a flood of bad requests, each
 * logging a line, would hold the webhook workers on logging; past the budget, lines are only counted, and
 * the count is written once the next window begins. (Logback's DuplicateMessageFilter suppresses a message
 * for good rather than per window, and says nothing of what it dropped.)
 */
public final class LogBudget {

    private final Logger log;
    private final String what;
    private final int lines;
    private final long windowNanos;
    private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private final AtomicInteger written = new AtomicInteger();
    private final AtomicInteger unwritten = new AtomicInteger();

    public LogBudget(Logger log, String what, int lines, Duration window) {
        this.log = log;
        this.what = what;
        this.lines = lines;
        this.windowNanos = window.toNanos();
    }

    /** Whether the caller may write its line now; false when the budget of this window is spent. */
    public boolean allows() {
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start > windowNanos && windowStart.compareAndSet(start, now)) {
            written.set(0);
            int missed = unwritten.getAndSet(0);
            if (missed > 0) {
                log.warn(
                        "{} more {} in the last {} s were not logged one by one",
                        missed,
                        what,
                        Duration.ofNanos(now - start).toSeconds());
            }
        }
        if (written.incrementAndGet() <= lines) {
            return true;
        }
        unwritten.incrementAndGet();
        return false;
    }

    /** Text from a request, fit for a log line: one line, bounded, control characters shown as '?'. */
    static String printable(Object value, int maxLength) {
        String text = String.valueOf(value);
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxLength) + 1);
        for (int i = 0; i < text.length() && out.length() < maxLength; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        return text.length() > maxLength ? out.append('…').toString() : out.toString();
    }
}
