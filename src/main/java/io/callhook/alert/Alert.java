package io.callhook.alert;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.springframework.boot.convert.DurationStyle;

/**
 * One alert declared with the {@code alert} route template (see {@code routes/alerts.camel.yaml}, which
 * describes each parameter).
 *
 * @param channel the destination watched (its destination parameter); empty: each destination on its own ({@code failing},
 *     {@code failure-rate}) or all of them together ({@code backlog}, {@code failed})
 * @param recipients the destinations (its notify parameter) a note goes to; never the one the alert is about
 */
public record Alert(
        String name,
        Condition when,
        String channel,
        double threshold,
        Duration window,
        int minimum,
        List<String> recipients) {

    /** What an alert watches. */
    public enum Condition {
        /** The destination's last {@code threshold} finished deliveries in the window all FAILED. */
        FAILING,
        /** At least {@code threshold} percent of the window's finished deliveries FAILED (of {@code minimum} or more). */
        FAILURE_RATE,
        /** At least {@code threshold} deliveries PENDING plus events not yet dispatched. */
        BACKLOG,
        /** At least {@code threshold} deliveries FAILED in the window. */
        FAILED;

        static Condition of(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "when must be one of failing, failure-rate, backlog, failed (it is '" + text + "')");
            }
        }
    }

    /** Reads an alert from its template parameters, placeholders resolved by {@code resolve}. */
    public static Alert of(Map<String, Object> parameters, UnaryOperator<String> resolve) {
        String name = text(parameters, "alert", resolve);
        if (!name.matches("[a-z0-9][a-z0-9-]{0,63}")) {
            throw new IllegalArgumentException(
                    "alert must be a name of lower-case letters, digits and dashes (it is '" + name + "')");
        }
        Condition when = Condition.of(text(parameters, "when", resolve));
        double threshold;
        try {
            threshold = Double.parseDouble(text(parameters, "threshold", resolve));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("alert " + name + ": threshold must be a number");
        }
        if (threshold <= 0 || (when == Condition.FAILURE_RATE && threshold > 100)) {
            throw new IllegalArgumentException("alert " + name + ": threshold must be above 0"
                    + (when == Condition.FAILURE_RATE ? " and at most 100 (a percentage)" : ""));
        }
        Duration window;
        try {
            window = DurationStyle.detectAndParse(text(parameters, "window", resolve));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("alert " + name + ": window must be a duration such as 15m or 1h");
        }
        if (window.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("alert " + name + ": window must be at least 1m");
        }
        int minimum;
        try {
            minimum = Integer.parseInt(text(parameters, "minimum", resolve));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("alert " + name + ": minimum must be a whole number");
        }
        List<String> notify = Arrays.stream(text(parameters, "notify", resolve).split(","))
                .map(String::trim)
                .filter(destination -> !destination.isEmpty())
                .toList();
        return new Alert(
                name, when, text(parameters, "destination", resolve), threshold, window, Math.max(1, minimum), notify);
    }

    /** Whether it watches each destination on its own. */
    boolean perDestination() {
        return channel.isEmpty() && (when == Condition.FAILING || when == Condition.FAILURE_RATE);
    }

    private static String text(Map<String, Object> parameters, String name, UnaryOperator<String> resolve) {
        Object value = parameters.get(name);
        return value == null ? "" : resolve.apply(value.toString()).trim();
    }
}
