package io.callhook.console;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callhook.db.Database;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/** What the console shows, read from the database: correct whichever instance took the webhooks. */
@Component
class ConsoleQueries {

    static final int PAGE = 50;
    /** The longest label of a chart (a disconnection reason, a sentiment): the rest of the text is cut. */
    static final int LABEL = 100;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String EVENT_COLUMNS = "delivery_id, event, received_at, call_id, customer_name,"
            + " customer_phone, from_number, agent_name, call_successful, disconnection_reason, sentiment";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final boolean postgres;

    ConsoleQueries(JdbcTemplate jdbc, TransactionTemplate transaction, Database database) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.postgres = database.postgres();
    }

    /** A page of events, newest first, with every channel's state; {@code before} is the last row seen. */
    Page search(Search search) {
        StringBuilder sql = new StringBuilder("SELECT " + EVENT_COLUMNS + " FROM call_audit a WHERE 1 = 1");
        List<Object> parameters = new ArrayList<>();
        if (search.deliveryId() != null) {
            sql.append(" AND a.delivery_id = ?");
            parameters.add(search.deliveryId());
        }
        if (search.callId() != null) {
            sql.append(" AND a.call_id = ?");
            parameters.add(search.callId());
        }
        if (search.customer() != null) {
            sql.append(" AND LOWER(a.customer_name) LIKE ? ESCAPE '\\'");
            parameters.add(contains(search.customer()));
        }
        if (search.phone() != null) {
            sql.append(" AND (a.customer_phone LIKE ? ESCAPE '\\' OR a.from_number LIKE ? ESCAPE '\\')");
            String digits = "%" + like(search.phone()) + "%";
            parameters.add(digits);
            parameters.add(digits);
        }
        if (search.agent() != null) {
            sql.append(" AND LOWER(a.agent_name) LIKE ? ESCAPE '\\'");
            parameters.add(contains(search.agent()));
        }
        if (search.event() != null) {
            sql.append(" AND a.event = ?");
            parameters.add(search.event());
        }
        if (search.outcome() != null) {
            switch (search.outcome()) {
                case "successful" -> sql.append(" AND a.call_successful = TRUE");
                case "unsuccessful" -> sql.append(" AND a.call_successful = FALSE");
                default -> sql.append(" AND a.call_successful IS NULL");
            }
        }
        if (search.channel() != null || search.status() != null) {
            sql.append(" AND EXISTS (SELECT 1 FROM call_delivery d WHERE d.delivery_id = a.delivery_id");
            if (search.channel() != null) {
                sql.append(" AND d.channel = ?");
                parameters.add(search.channel());
            }
            if (search.status() != null) {
                sql.append(" AND d.status = ?");
                parameters.add(search.status());
            }
            sql.append(")");
        }
        if (search.from() != null) {
            sql.append(" AND a.received_at >= ?");
            parameters.add(search.from());
        }
        if (search.to() != null) {
            sql.append(" AND a.received_at < ?");
            parameters.add(search.to());
        }
        if (search.beforeTime() != null && search.beforeId() != null) {
            sql.append(" AND (a.received_at < ? OR (a.received_at = ? AND a.delivery_id < ?))");
            parameters.add(search.beforeTime());
            parameters.add(search.beforeTime());
            parameters.add(search.beforeId());
        }
        sql.append(" ORDER BY a.received_at DESC, a.delivery_id DESC FETCH FIRST " + (PAGE + 1) + " ROWS ONLY");
        List<Map<String, Object>> rows = postgres
                // planned for these values: a plan for any value scans the table newest first, which for a
                // rare name means every row (0.8 s at 1,000,000 events) where the name's index takes 30 ms
                ? transaction.execute(status -> {
                    jdbc.execute("SET LOCAL plan_cache_mode = force_custom_plan");
                    return jdbc.queryForList(sql.toString(), parameters.toArray());
                })
                : jdbc.queryForList(sql.toString(), parameters.toArray());
        boolean more = rows.size() > PAGE;
        List<Map<String, Object>> page = more ? rows.subList(0, PAGE) : rows;
        List<Event> events = events(page);
        if (!more) {
            return new Page(events, null, null);
        }
        Map<String, Object> last = page.get(page.size() - 1);
        return new Page(events, exact(last.get("received_at")), (String) last.get("delivery_id"));
    }

    Optional<EventDetail> event(String deliveryId) {
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT " + EVENT_COLUMNS + ", occurred_at, organization_id, agent_id, direction, status,"
                        + " duration_seconds, summary, token_cost, started_at, ended_at, payload,"
                        + " NOT EXISTS (SELECT 1 FROM unrouted_event u WHERE u.delivery_id = a.delivery_id) AS routed"
                        + " FROM call_audit a WHERE delivery_id = ?",
                deliveryId);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> row = rows.get(0);
        Event event = events(rows).get(0);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("Event", row.get("event"));
        fields.put("Received", instant(row.get("received_at")));
        fields.put("Occurred", instant(row.get("occurred_at")));
        fields.put("Call id", row.get("call_id"));
        fields.put("Organization", row.get("organization_id"));
        fields.put("Agent", join(row.get("agent_name"), row.get("agent_id")));
        fields.put("Customer", row.get("customer_name"));
        fields.put("Customer phone", row.get("customer_phone"));
        fields.put("From", row.get("from_number"));
        fields.put("Direction", row.get("direction"));
        fields.put("Status", row.get("status"));
        fields.put("Successful", row.get("call_successful"));
        fields.put("Duration (s)", row.get("duration_seconds"));
        fields.put("Disconnection", row.get("disconnection_reason"));
        fields.put("Sentiment", row.get("sentiment"));
        fields.put("Summary", row.get("summary"));
        fields.put("Token cost", row.get("token_cost"));
        fields.put("Started", instant(row.get("started_at")));
        fields.put("Ended", instant(row.get("ended_at")));
        fields.put("Routed", row.get("routed"));
        fields.values().removeIf(value -> value == null || value.toString().isBlank());
        return Optional.of(new EventDetail(event, fields, withoutTranscript((String) row.get("payload"))));
    }

    /** Every attempt of the event's channels, oldest first, by channel. */
    Map<String, List<Attempt>> attempts(String deliveryId) {
        Map<String, List<Attempt>> byChannel = new LinkedHashMap<>();
        for (Map<String, Object> row : jdbc.queryForList(
                "SELECT channel, attempted_at, took_ms, error, template FROM delivery_attempt WHERE delivery_id = ?"
                        + " ORDER BY channel, attempted_at",
                deliveryId)) {
            byChannel
                    .computeIfAbsent((String) row.get("channel"), c -> new ArrayList<>())
                    .add(new Attempt(
                            instant(row.get("attempted_at")),
                            ((Number) row.get("took_ms")).intValue(),
                            (String) row.get("error"),
                            (String) row.get("template")));
        }
        return byChannel;
    }

    /**
     * The channel's last attempt: empty if it made none; else the template that attempt rendered (empty for
     * a destination that sends the payload as received).
     */
    Optional<Optional<String>> lastAttempt(String deliveryId, String channel) {
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT template FROM delivery_attempt WHERE delivery_id = ? AND channel = ?"
                        + " ORDER BY attempted_at DESC FETCH FIRST 1 ROWS ONLY",
                deliveryId,
                channel);
        return rows.isEmpty()
                ? Optional.empty()
                : Optional.of(Optional.ofNullable((String) rows.get(0).get("template")));
    }

    boolean exists(String deliveryId) {
        return !jdbc.queryForList("SELECT 1 FROM call_audit WHERE delivery_id = ?", deliveryId)
                .isEmpty();
    }

    Optional<String> payload(String deliveryId) {
        return jdbc
                .queryForList("SELECT payload FROM call_audit WHERE delivery_id = ?", String.class, deliveryId)
                .stream()
                .findFirst();
    }

    /**
     * The payload as received, pretty-printed, its transcript left out: the transcript is shown only when
     * asked for. A payload that is not JSON (it always is: intake parsed it) is not shown at all.
     */
    static String withoutTranscript(String payload) {
        try {
            JsonNode root = JSON.readTree(payload);
            if (root.path("data") instanceof ObjectNode data && data.hasNonNull("transcript")) {
                data.put("transcript", "(left out here: Show the transcript)");
            }
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (java.io.IOException | RuntimeException e) {
            return "(the payload could not be read)";
        }
    }

    Optional<String> transcript(String deliveryId) {
        List<String> rows =
                jdbc.queryForList("SELECT transcript FROM call_audit WHERE delivery_id = ?", String.class, deliveryId);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0) == null ? "" : rows.get(0));
    }

    /** The oldest event kept: what period the console covers. */
    Optional<String> oldest() {
        Object oldest = jdbc.queryForObject("SELECT MIN(received_at) FROM call_audit", Object.class);
        return Optional.ofNullable(instant(oldest));
    }

    /** The dashboard's figures for the period before {@code now}. */
    Map<String, Object> dashboard(Duration period, OffsetDateTime now) {
        OffsetDateTime since = now.minus(period);
        boolean hourly = period.compareTo(Duration.ofDays(2)) <= 0;
        long bucket = hourly ? 3600 : 86400;
        Map<String, Object> data = new LinkedHashMap<>();

        // events per hour (or day) by outcome, every bucket present so the chart's axis is the whole period
        long first = Math.floorDiv(since.toEpochSecond(), bucket);
        long last = Math.floorDiv(now.toEpochSecond(), bucket);
        List<String> labels = new ArrayList<>();
        Map<String, long[]> byOutcome = new LinkedHashMap<>();
        for (String outcome : List.of("successful", "unsuccessful", "unknown")) {
            byOutcome.put(outcome, new long[(int) (last - first + 1)]);
        }
        for (long b = first; b <= last; b++) {
            Instant start = Instant.ofEpochSecond(b * bucket);
            labels.add(
                    hourly
                            ? start.toString().substring(11, 16)
                            : start.toString().substring(5, 10));
        }
        // the period's events by outcome per bucket: at most three counts a bucket, whatever the payloads say
        for (Map<String, Object> row : jdbc.queryForList(
                "SELECT b, ok, COUNT(*) AS n FROM (SELECT FLOOR(EXTRACT(EPOCH FROM received_at) / " + bucket
                        + ") AS b, call_successful AS ok FROM call_audit WHERE received_at >= ?) t GROUP BY b, ok",
                since)) {
            int index = (int) (((Number) row.get("b")).longValue() - first);
            if (index < 0 || index > last - first) {
                continue;
            }
            Object ok = row.get("ok");
            String outcome = ok == null ? "unknown" : Boolean.TRUE.equals(ok) ? "successful" : "unsuccessful";
            byOutcome.get(outcome)[index] += ((Number) row.get("n")).longValue();
        }
        data.put("labels", labels);
        data.put("eventsByOutcome", byOutcome);
        data.put("disconnections", top("disconnection_reason", since, 8));
        data.put("sentiment", top("sentiment", since, 20));

        // the deliveries of the period's events by channel and status (found through the events' received time:
        // SKIPPED rows, most of them, are in no index of their own); the failure rate of those that finished
        Map<String, Map<String, Long>> deliveries = new LinkedHashMap<>();
        for (Map<String, Object> row : jdbc.queryForList(
                "SELECT d.channel, d.status, COUNT(*) AS n FROM call_audit a JOIN call_delivery d"
                        + " ON d.delivery_id = a.delivery_id WHERE a.received_at >= ?"
                        + " GROUP BY d.channel, d.status ORDER BY d.channel",
                since)) {
            deliveries
                    .computeIfAbsent((String) row.get("channel"), c -> new LinkedHashMap<>())
                    .put((String) row.get("status"), ((Number) row.get("n")).longValue());
        }
        data.put("deliveries", deliveries);
        Map<String, Double> failureRate = new LinkedHashMap<>();
        deliveries.forEach((channel, statuses) -> {
            long failed = statuses.getOrDefault("FAILED", 0L);
            long finished = failed + statuses.getOrDefault("SENT", 0L);
            if (finished > 0) {
                failureRate.put(channel, Math.round(1000.0 * failed / finished) / 10.0);
            }
        });
        data.put("failureRate", failureRate);

        // the backlog over time: the highest count of each hour (or day) of the samples taken every minute
        long[] pendingOverTime = new long[(int) (last - first + 1)];
        long[] undispatchedOverTime = new long[(int) (last - first + 1)];
        for (Map<String, Object> row : jdbc.queryForList(
                "SELECT b, MAX(pending) AS pending, MAX(undispatched) AS undispatched FROM (SELECT"
                        + " FLOOR(EXTRACT(EPOCH FROM sampled_at) / " + bucket + ") AS b, pending, undispatched"
                        + " FROM backlog_sample WHERE sampled_at >= ?) t GROUP BY b",
                since)) {
            int index = (int) (((Number) row.get("b")).longValue() - first);
            if (index >= 0 && index <= last - first) {
                pendingOverTime[index] = ((Number) row.get("pending")).longValue();
                undispatchedOverTime[index] = ((Number) row.get("undispatched")).longValue();
            }
        }
        data.put("backlogOverTime", Map.of("pending", pendingOverTime, "undispatched", undispatchedOverTime));
        Map<String, Long> backlog = new LinkedHashMap<>();
        backlog.put(
                "pending",
                jdbc.queryForObject("SELECT COUNT(*) FROM call_delivery WHERE status = 'PENDING'", Long.class));
        backlog.put("undispatched", jdbc.queryForObject("SELECT COUNT(*) FROM unrouted_event", Long.class));
        data.put("backlog", backlog);
        data.put("since", since.toInstant().toString());
        data.put("until", now.toInstant().toString());
        return data;
    }

    /**
     * The {@code limit} most frequent values of a free-text column in the period, largest first, each cut to
     * {@link #LABEL} characters: counted, cut and limited by the database, so that a payload's text, however
     * long and however varied, costs the service a few rows.
     */
    private Map<String, Long> top(String column, OffsetDateTime since, int limit) {
        String label = "SUBSTRING(" + column + ", 1, " + LABEL + ")";
        Map<String, Long> top = new LinkedHashMap<>();
        for (Map<String, Object> row : jdbc.queryForList(
                "SELECT " + label + " AS label, COUNT(*) AS n FROM call_audit WHERE received_at >= ? AND " + column
                        + " IS NOT NULL GROUP BY " + label + " ORDER BY n DESC, label FETCH FIRST " + limit
                        + " ROWS ONLY",
                since)) {
            top.put((String) row.get("label"), ((Number) row.get("n")).longValue());
        }
        return top;
    }

    private List<Event> events(List<Map<String, Object>> rows) {
        List<Object> ids = rows.stream().map(row -> row.get("delivery_id")).toList();
        Map<Object, List<Delivery>> deliveries = new HashMap<>();
        if (!ids.isEmpty()) {
            for (Map<String, Object> d : jdbc.queryForList(
                    "SELECT delivery_id, channel, status, attempts, last_error, created_at, updated_at"
                            + " FROM call_delivery WHERE delivery_id IN ("
                            + String.join(",", Collections.nCopies(ids.size(), "?")) + ") ORDER BY channel",
                    ids.toArray())) {
                deliveries
                        .computeIfAbsent(d.get("delivery_id"), id -> new ArrayList<>())
                        .add(new Delivery(
                                (String) d.get("channel"),
                                (String) d.get("status"),
                                ((Number) d.get("attempts")).intValue(),
                                (String) d.get("last_error"),
                                instant(d.get("created_at")),
                                instant(d.get("updated_at"))));
            }
        }
        List<Event> events = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Object ok = row.get("call_successful");
            events.add(new Event(
                    (String) row.get("delivery_id"),
                    (String) row.get("event"),
                    instant(row.get("received_at")),
                    (String) row.get("call_id"),
                    (String) row.get("customer_name"),
                    (String) row.get("customer_phone"),
                    (String) row.get("agent_name"),
                    ok == null ? "unknown" : Boolean.TRUE.equals(ok) ? "successful" : "unsuccessful",
                    deliveries.getOrDefault(row.get("delivery_id"), List.of())));
        }
        return events;
    }

    private static String contains(String text) {
        return "%" + like(text.toLowerCase(Locale.ROOT)) + "%";
    }

    /** The text as a LIKE pattern's literal part: its wildcards escaped. */
    private static String like(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static String join(Object name, Object id) {
        if (name == null) {
            return id == null ? null : id.toString();
        }
        return id == null ? name.toString() : name + " (" + id + ")";
    }

    /** The time to the database's precision, ISO 8601: a cursor. */
    private static String exact(Object value) {
        if (value instanceof OffsetDateTime time) {
            return time.toInstant().toString();
        }
        return value instanceof java.sql.Timestamp time ? time.toInstant().toString() : String.valueOf(value);
    }

    /** ISO 8601 UTC, to the second, for people: H2 reads OffsetDateTime, PostgreSQL Timestamp. */
    static String instant(Object value) {
        Instant instant = null;
        if (value instanceof OffsetDateTime time) {
            instant = time.toInstant();
        } else if (value instanceof java.sql.Timestamp time) {
            instant = time.toInstant();
        }
        if (instant == null) {
            return value == null ? null : value.toString();
        }
        return instant.atOffset(ZoneOffset.UTC)
                .withNano(0)
                .toString()
                .replace("T", " ")
                .replace("Z", " UTC");
    }

    record Search(
            String deliveryId,
            String callId,
            String customer,
            String phone,
            String agent,
            String event,
            String outcome,
            String channel,
            String status,
            OffsetDateTime from,
            OffsetDateTime to,
            OffsetDateTime beforeTime,
            String beforeId) {}

    record Delivery(
            String channel, String status, int attempts, String lastError, String createdAt, String updatedAt) {}

    record Event(
            String deliveryId,
            String event,
            String receivedAt,
            String callId,
            String customerName,
            String customerPhone,
            String agentName,
            String outcome,
            List<Delivery> deliveries) {

        public boolean hasFailed() {
            return deliveries.stream().anyMatch(d -> "FAILED".equals(d.status()));
        }
    }

    record EventDetail(Event event, Map<String, Object> fields, String payload) {}

    /** One send attempt: when, how long, its error (null: accepted), the template its message came from. */
    record Attempt(String at, int tookMs, String error, String template) {}

    /** A page, and where the next (older) one starts: after this time and id; null when none. */
    record Page(List<Event> events, String beforeTime, String beforeId) {}
}
