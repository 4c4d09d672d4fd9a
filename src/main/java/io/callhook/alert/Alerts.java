package io.callhook.alert;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.callhook.db.DatabaseClock;
import io.callhook.destination.Destination;
import io.callhook.destination.Destinations;
import io.callhook.destination.Notes;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Checks the alerts that {@code routes/alerts.camel.yaml} declares, each on its own timer: asks the database
 * whether the condition holds, and on a change tells the alert's destinations once — when it starts, once a
 * window while it goes on, and when it clears. The state is a row per alert (and destination) in
 * {@code alert_state}, changed by conditional updates, so with several instances one of them sends each
 * note. A note never goes through the destination it is about.
 */
@Component("alerts")
public class Alerts {

    private static final Logger log = LoggerFactory.getLogger(Alerts.class);

    private final JdbcTemplate jdbc;
    private final DatabaseClock clock;
    private final Destinations destinations;
    private final Notes notes;
    private final CamelContext camel;

    public Alerts(JdbcTemplate jdbc, DatabaseClock clock, Destinations destinations, Notes notes, CamelContext camel) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.destinations = destinations;
        this.notes = notes;
        this.camel = camel;
    }

    /** The check of the alert whose timer fired: its declaration is the parameters of its route. */
    public void check(Exchange exchange) throws InterruptedException {
        String routeId = exchange.getFromRouteId();
        Alert alert;
        try {
            alert = declared(routeId);
        } catch (IllegalArgumentException e) {
            log.error("Alert route {} cannot be checked: {}", routeId, e.getMessage());
            return;
        }
        check(alert);
    }

    /** Checks one alert now; for an alert on each destination, each destination on its own. */
    public void check(Alert alert) throws InterruptedException {
        List<String> channels =
                alert.perDestination() ? new ArrayList<>(destinations.names()) : List.of(alert.channel());
        for (String channel : channels) {
            OffsetDateTime now = clock.now();
            Verdict verdict = evaluate(alert, channel, now);
            String key = alert.name() + (alert.perDestination() ? ":" + channel : "");
            try {
                transition(alert, key, verdict, now);
            } catch (RuntimeException e) {
                // one alert's failure (the database away a moment) does not stop the others: next check retries
                log.warn("Alert {} could not be checked: {}", key, e.toString());
            }
        }
    }

    private Alert declared(String routeId) {
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
        RouteDefinition definition = model.getRouteDefinition(routeId);
        if (definition == null || definition.getTemplateParameters() == null) {
            throw new IllegalArgumentException("it is not made from the alert route template");
        }
        return Alert.of(
                Destinations.parameters(definition),
                value -> value.contains("{{")
                        ? camel.getCamelContextExtension().resolvePropertyPlaceholders(value, true)
                        : value);
    }

    /** What the database says now: the condition holds, it clearly does not, or there is nothing to tell by. */
    Verdict evaluate(Alert alert, String channel, OffsetDateTime now) {
        OffsetDateTime since = now.minus(alert.window());
        String about = channel.isEmpty() ? "all destinations" : channel;
        Set<String> watched = channel.isEmpty() ? Set.of() : Set.of(channel);
        switch (alert.when()) {
            case FAILING -> {
                // the last n finished are all FAILED when n FAILED are newer than the last SENT; two bounded
                // reads of the newest end of call_delivery_recent, however many were sent in the window
                int n = (int) Math.ceil(alert.threshold());
                List<Finished> failed = newest(channel, "FAILED", since, n);
                List<Finished> sent = newest(channel, "SENT", since, 1);
                OffsetDateTime lastSent = sent.isEmpty() ? null : sent.get(0).at();
                if (failed.size() == n
                        && (lastSent == null
                                || lastSent.isBefore(failed.get(n - 1).at()))) {
                    return Verdict.firing(
                            channel + " failed its last " + n + " deliveries; the last error: "
                                    + failed.get(0).error(),
                            watched);
                }
                if (lastSent != null
                        && (failed.isEmpty() || lastSent.isAfter(failed.get(0).at()))) {
                    return Verdict.clear(channel + " is sending again", watched);
                }
                return Verdict.UNKNOWN;
            }
            case FAILURE_RATE -> {
                if (newest(channel, "FAILED", since, 1).isEmpty()) {
                    // none FAILED: the rate is 0, worth telling once there were enough to judge by (a count that
                    // stops at the minimum, not one of every delivery sent in the window)
                    Long finished = jdbc.queryForObject(
                            "SELECT COUNT(*) FROM (SELECT 1 FROM call_delivery WHERE channel = ? AND status = 'SENT'"
                                    + " AND updated_at >= ? FETCH FIRST " + Math.max(1, alert.minimum())
                                    + " ROWS ONLY) s",
                            Long.class,
                            channel,
                            since);
                    return finished == null || finished < alert.minimum()
                            ? Verdict.UNKNOWN
                            : Verdict.clear(
                                    channel + ": none of its deliveries in the last " + describe(alert.window())
                                            + " FAILED",
                                    watched);
                }
                Map<String, Object> counts = jdbc.queryForMap(
                        "SELECT COUNT(*) AS finished, COALESCE(SUM(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END), 0)"
                                + " AS failed FROM call_delivery WHERE channel = ? AND status IN ('SENT', 'FAILED')"
                                + " AND updated_at >= ?",
                        channel,
                        since);
                long finished = ((Number) counts.get("finished")).longValue();
                long failed = ((Number) counts.get("failed")).longValue();
                if (finished < alert.minimum()) {
                    return Verdict.UNKNOWN;
                }
                double rate = 100.0 * failed / finished;
                String figures = String.format(
                        Locale.ROOT,
                        "%s: %.0f%% of its %d deliveries in the last %s FAILED",
                        channel,
                        rate,
                        finished,
                        describe(alert.window()));
                return rate >= alert.threshold() ? Verdict.firing(figures, watched) : Verdict.clear(figures, watched);
            }
            case BACKLOG -> {
                long pending = channel.isEmpty()
                        ? jdbc.queryForObject("SELECT COUNT(*) FROM call_delivery WHERE status = 'PENDING'", Long.class)
                        : jdbc.queryForObject(
                                "SELECT COUNT(*) FROM call_delivery WHERE status = 'PENDING' AND channel = ?",
                                Long.class,
                                channel);
                long undispatched =
                        channel.isEmpty() ? jdbc.queryForObject("SELECT COUNT(*) FROM unrouted_event", Long.class) : 0;
                String figures = pending + " deliveries PENDING"
                        + (channel.isEmpty() ? " and " + undispatched + " events not yet routed" : " on " + channel);
                return pending + undispatched >= alert.threshold()
                        ? Verdict.firing(figures, watched)
                        : Verdict.clear(figures, watched);
            }
            case FAILED -> {
                long failed = channel.isEmpty()
                        ? jdbc.queryForObject(
                                "SELECT COUNT(*) FROM call_delivery WHERE status = 'FAILED' AND updated_at >= ?",
                                Long.class,
                                since)
                        : jdbc.queryForObject(
                                "SELECT COUNT(*) FROM call_delivery WHERE status = 'FAILED' AND updated_at >= ?"
                                        + " AND channel = ?",
                                Long.class,
                                since,
                                channel);
                String figures =
                        failed + " deliveries FAILED in the last " + describe(alert.window()) + " (" + about + ")";
                // about every destination that failed in the window: its notes go through the others
                Set<String> failing = channel.isEmpty()
                        ? new HashSet<>(jdbc.queryForList(
                                "SELECT DISTINCT channel FROM call_delivery WHERE status = 'FAILED' AND updated_at >= ?",
                                String.class,
                                since))
                        : watched;
                return failed >= alert.threshold() ? Verdict.firing(figures, failing) : Verdict.clear(figures, failing);
            }
            default -> throw new IllegalStateException(alert.when().name());
        }
    }

    /** A finished delivery: when it finished, and its error. */
    private record Finished(OffsetDateTime at, String error) {}

    /**
     * A destination's newest {@code most} deliveries in {@code status} since then, newest first: read from the
     * newest end of index call_delivery_recent (H2 walks it only when the order names all its columns).
     */
    private List<Finished> newest(String channel, String status, OffsetDateTime since, int most) {
        return jdbc.query(
                "SELECT updated_at, last_error FROM call_delivery WHERE channel = ? AND status = ? AND updated_at >= ?"
                        + " ORDER BY channel, status, updated_at DESC FETCH FIRST " + most + " ROWS ONLY",
                (rs, i) -> new Finished(rs.getObject(1, OffsetDateTime.class), rs.getString(2)),
                channel,
                status,
                since);
    }

    /**
     * Moves the alert's state on and tells people, at most one note per window: when it fires (unless a note
     * went out less than a window ago: then when that window has passed, if it still fires), once a window
     * while it goes on, and when it clears if its firing was told. Each change is a conditional update, so
     * of several instances one makes it and sends its note.
     */
    private void transition(Alert alert, String key, Verdict verdict, OffsetDateTime now) throws InterruptedException {
        List<Map<String, Object>> rows =
                jdbc.queryForList("SELECT firing, announced, notified_at FROM alert_state WHERE alert_key = ?", key);
        if (rows.isEmpty()) {
            try {
                jdbc.update(
                        "INSERT INTO alert_state (alert_key, firing, announced, changed_at, notified_at)"
                                + " VALUES (?, FALSE, FALSE, ?, ?)",
                        key,
                        now,
                        now.minus(alert.window()));
            } catch (DuplicateKeyException anotherInstance) {
                return; // its first check ran on another instance at the same moment: the next one goes on
            }
            rows = jdbc.queryForList("SELECT firing, announced, notified_at FROM alert_state WHERE alert_key = ?", key);
        }
        Map<String, Object> state = rows.get(0);
        boolean firing = Boolean.TRUE.equals(state.get("firing"));
        boolean announced = Boolean.TRUE.equals(state.get("announced"));
        OffsetDateTime windowAgo = now.minus(alert.window());
        if (verdict.kind() == Verdict.Kind.FIRING) {
            boolean justFired = !firing;
            if (!firing) {
                if (!claim(
                        "SET firing = TRUE, announced = FALSE, changed_at = ? WHERE alert_key = ? AND firing = FALSE",
                        now,
                        key)) {
                    return;
                }
                log.warn("Alert {}: {}", key, verdict.text());
                announced = false;
            }
            // the first note of this firing, or the reminder of a window; at most one a window either way
            if (!claim(
                    "SET announced = TRUE, notified_at = ? WHERE alert_key = ? AND firing = TRUE AND notified_at < ?",
                    now,
                    key,
                    windowAgo)) {
                if (justFired) {
                    log.info(
                            "Alert {}: its last note is less than {} old; told when that has passed if it still"
                                    + " holds",
                            key,
                            describe(alert.window()));
                }
                return;
            }
            String title = announced ? "callhook alert " + key + " still firing" : "callhook alert " + key;
            if (announced) {
                log.warn("Alert {} still firing: {}", key, verdict.text());
            }
            if (!notify(alert, verdict, title)) {
                // nobody was told: the next check tries again
                jdbc.update(
                        "UPDATE alert_state SET announced = ?, notified_at = ? WHERE alert_key = ?",
                        announced,
                        windowAgo.minusSeconds(1),
                        key);
            }
        } else if (verdict.kind() == Verdict.Kind.CLEAR && firing) {
            if (!claim(
                    "SET firing = FALSE, announced = FALSE, changed_at = ? WHERE alert_key = ? AND firing = TRUE",
                    now,
                    key)) {
                return;
            }
            log.info("Alert {} recovered: {}", key, verdict.text());
            if (announced) {
                jdbc.update("UPDATE alert_state SET notified_at = ? WHERE alert_key = ?", now, key);
                notify(alert, verdict, "callhook alert " + key + " recovered");
            }
        }
    }

    private boolean claim(String update, Object... parameters) {
        return jdbc.update("UPDATE alert_state " + update, parameters) == 1;
    }

    /**
     * Sends the note to each of the alert's destinations but those it is about (by name, or the same
     * address). True when one took it, or when none could be asked (all off, or only those in question):
     * the log line then stands. One recipient failing does not keep the note from the others.
     */
    private boolean notify(Alert alert, Verdict verdict, String title) throws InterruptedException {
        boolean tried = false;
        boolean told = false;
        for (String recipient : alert.recipients()) {
            if (concerned(recipient, verdict.about())) {
                continue; // never an alert about a destination through itself
            }
            if (destinations.get(recipient).isEmpty()
                    || destinations.offReason(recipient).isPresent()) {
                continue;
            }
            tried = true;
            Optional<String> failure;
            try {
                failure = notes.send(recipient, title, verdict.text());
            } catch (RuntimeException e) {
                failure = Optional.of(destinations.mask(e.toString()));
            }
            if (failure.isPresent()) {
                log.warn("{} could not be sent to {}: {}", title, recipient, failure.get());
            } else {
                told = true;
            }
        }
        return told || !tried;
    }

    /** Whether the recipient is one of the destinations the alert is about, or posts to the same address. */
    private boolean concerned(String recipient, Set<String> about) {
        if (about.contains(recipient)) {
            return true;
        }
        String url = destinations.get(recipient).map(Destination::url).orElse("");
        return !url.isEmpty()
                && about.stream()
                        .map(destinations::get)
                        .flatMap(Optional::stream)
                        .anyMatch(destination -> url.equals(destination.url()));
    }

    private static String describe(Duration window) {
        long minutes = window.toMinutes();
        return minutes % 60 == 0 ? minutes / 60 + " h" : minutes + " min";
    }

    /** What a check found, and the destinations it is about (its notes never go through them). */
    record Verdict(Kind kind, String text, Set<String> about) {

        enum Kind {
            FIRING,
            CLEAR,
            UNKNOWN
        }

        static final Verdict UNKNOWN = new Verdict(Kind.UNKNOWN, "", Set.of());

        static Verdict firing(String text, Set<String> about) {
            return new Verdict(Kind.FIRING, text, about);
        }

        static Verdict clear(String text, Set<String> about) {
            return new Verdict(Kind.CLEAR, text, about);
        }
    }
}
