package io.callhook.digest;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.callhook.call.CallFacts;
import io.callhook.db.DatabaseClock;
import io.callhook.db.InstanceId;
import io.callhook.mail.MailProperties;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;

/**
 * The digest's figures for a window of calls: number of calls, success rate, average duration, sentiment
 * mix, token cost, and the unsuccessful calls. The database does the sums: however many calls the window
 * holds, the service reads a handful of figures and at most {@link #LISTED} unsuccessful calls (their long
 * texts cut short), so the digest costs the same memory for 20 calls as for 200,000 and its mail stays
 * small. The digest route renders the templates; this bean decides the window (one instance per window)
 * and reads the figures.
 */
@Component("digestReport")
public class DigestReport {

    /** Unsuccessful calls listed by name; the digest says how many more there were. */
    static final int LISTED = 50;
    /** Missed or failed windows sent late at one fire, at most (the oldest beyond are given up). */
    static final int CATCH_UP = 7;
    /** How far back a missed or failed window is still sent. */
    static final Duration CATCH_UP_PERIOD = Duration.ofDays(8);
    /** A claim not followed by a sent digest for this long is an instance's that died meanwhile. */
    static final Duration STALE_CLAIM = Duration.ofMinutes(10);
    /** Sentiments shown by name (the most frequent); the rest are summed up as "other". */
    static final int SENTIMENTS = 10;

    private static final Logger log = LoggerFactory.getLogger(DigestReport.class);
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
    // Every clause starts on its own words: a text block's indentation is stripped, and "received_at < ?"
    // glued to "GROUP BY" reads "$2GROUP" to PostgreSQL 15 and newer, which refuse it (14 accepted it)
    private static final String WINDOW = "event = 'call.ended' AND received_at >= ? AND received_at < ?";
    private static final String TOTALS = "SELECT count(*), COALESCE(SUM(CASE WHEN call_successful = TRUE THEN 1"
            + " ELSE 0 END), 0), COALESCE(SUM(CASE WHEN call_successful = FALSE THEN 1 ELSE 0 END), 0),"
            + " COALESCE(SUM(CAST(duration_seconds AS BIGINT)), 0), count(duration_seconds),"
            + " COALESCE(SUM(token_cost), 0) FROM call_audit WHERE " + WINDOW;
    private static final String SENTIMENT_MIX = "SELECT COALESCE(SUBSTRING(sentiment, 1, 50), 'unknown') AS mood,"
            + " count(*) AS calls FROM call_audit WHERE " + WINDOW
            + " GROUP BY COALESCE(SUBSTRING(sentiment, 1, 50), 'unknown') ORDER BY calls DESC, mood"
            + " FETCH FIRST " + (SENTIMENTS + 1) + " ROWS ONLY";
    // long texts cut by the database: a summary can be a megabyte
    private static final String UNSUCCESSFUL = "SELECT received_at, SUBSTRING(customer_name, 1, 100),"
            + " SUBSTRING(customer_phone, 1, 40), SUBSTRING(agent_name, 1, 100),"
            + " SUBSTRING(disconnection_reason, 1, 100), SUBSTRING(summary, 1, 301), call_id"
            + " FROM call_audit WHERE call_successful = FALSE AND " + WINDOW
            + " ORDER BY received_at FETCH FIRST " + LISTED + " ROWS ONLY";

    private final JdbcTemplate jdbc;
    private final DigestProperties properties;
    private final MailProperties mail;
    private final DatabaseClock clock;
    private final String instance;

    public DigestReport(
            JdbcTemplate jdbc,
            DigestProperties properties,
            MailProperties mail,
            DatabaseClock clock,
            InstanceId instance) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.mail = mail;
        this.clock = clock;
        this.instance = instance.id();
    }

    /** What the templates are given, before escaping for their format. */
    record Figures(
            OffsetDateTime from,
            OffsetDateTime to,
            long calls,
            long successful,
            long unsuccessful,
            long durationTotal,
            long durations,
            BigDecimal tokenCost,
            Map<String, Long> sentiments,
            List<Map<String, String>> listed) {}

    /** A window of calls a digest covers, and whether it is sent after its time (a failed or missed run). */
    public record Window(OffsetDateTime from, OffsetDateTime to, boolean late) {}

    /**
     * The windows owed now, oldest first, into the body: those a failed run gave back and those whose fire
     * this service missed (it was down) since the last window sent, at most {@link #CATCH_UP} of them, then
     * (unless {@code catchUp}, at start) the window that ends now, to the minute. Empty when email is off.
     */
    public void windows(Exchange exchange) {
        if (!mail.enabled()) {
            log.info("Digest not sent: email is off");
            exchange.getMessage().setBody(List.of());
            return;
        }
        boolean catchUp = Boolean.TRUE.equals(exchange.getVariable("catchUp", Boolean.class));
        OffsetDateTime now = clock.now();
        OffsetDateTime current = now.truncatedTo(ChronoUnit.MINUTES);
        TreeMap<OffsetDateTime, Window> owed = new TreeMap<>();
        OffsetDateTime oldest = current.minus(CATCH_UP_PERIOD);
        for (OffsetDateTime end : jdbc.queryForList(
                "SELECT window_end FROM digest_run WHERE sent_at IS NULL AND window_end >= ? AND window_end <= ?",
                OffsetDateTime.class,
                oldest,
                current)) {
            owed.put(end, new Window(end.minus(properties.window()), end, true));
        }
        OffsetDateTime lastSent = jdbc.queryForObject(
                "SELECT MAX(window_end) FROM digest_run WHERE sent_at IS NOT NULL", OffsetDateTime.class);
        if (lastSent != null) {
            CronExpression cron = CronExpression.parse(properties.cron());
            ZoneId zone = ZoneId.of(properties.zone());
            ZonedDateTime fire = lastSent.atZoneSameInstant(zone);
            for (int n = 0; n < CATCH_UP; n++) {
                fire = cron.next(fire);
                if (fire == null || !fire.toOffsetDateTime().isBefore(current)) {
                    break;
                }
                OffsetDateTime end = fire.toOffsetDateTime().withOffsetSameInstant(ZoneOffset.UTC);
                if (!end.isBefore(oldest)) {
                    owed.putIfAbsent(end, new Window(end.minus(properties.window()), end, true));
                }
            }
        }
        while (owed.size() > CATCH_UP) {
            owed.pollFirstEntry();
        }
        if (!catchUp) {
            // unless its run failed a moment ago (then it is owed, late, already)
            owed.putIfAbsent(current, new Window(current.minus(properties.window()), current, false));
        }
        List<Window> windows = new ArrayList<>(owed.values());
        exchange.getMessage().setBody(windows);
    }

    /**
     * Takes on the window in the body: sets variable {@code claimed}, true for exactly one of the instances that
     * fire the same schedule (a window given back, or claimed by an instance that has not sent it for
     * {@link #STALE_CLAIM}, can be taken again). Leaves the window in variables {@code from}, {@code to} and
     * {@code late}.
     */
    public void claim(Exchange exchange) {
        Window window = exchange.getMessage().getBody(Window.class);
        OffsetDateTime now = clock.now();
        boolean claimed;
        try {
            jdbc.update(
                    "INSERT INTO digest_run (window_end, window_start, claimed_by, claimed_at) VALUES (?, ?, ?, ?)",
                    window.to(),
                    window.from(),
                    instance,
                    now);
            claimed = true;
        } catch (DuplicateKeyException taken) {
            claimed = jdbc.update(
                            "UPDATE digest_run SET claimed_by = ?, claimed_at = ? WHERE window_end = ? AND sent_at IS NULL"
                                    + " AND (claimed_by IS NULL OR claimed_at < ?)",
                            instance,
                            now,
                            window.to(),
                            now.minus(STALE_CLAIM))
                    == 1;
            if (!claimed) {
                log.info("Digest for the window ending {} is sent, or being sent, by another instance", window.to());
            }
        }
        exchange.setVariable("claimed", claimed);
        exchange.setVariable("from", window.from());
        exchange.setVariable("to", window.to());
        exchange.setVariable("late", window.late());
    }

    /** The claimed window's digest went out: it is never sent again. */
    public void sent(Exchange exchange) {
        jdbc.update(
                "UPDATE digest_run SET sent_at = ? WHERE window_end = ?",
                clock.now(),
                exchange.getVariable("to", OffsetDateTime.class));
    }

    /**
     * The claimed window's run failed: its claim is given back, so that the next fire (of any instance) sends it
     * late. If even that fails, the claim goes stale after {@link #STALE_CLAIM} and is taken again then.
     */
    public void release(Exchange exchange) {
        OffsetDateTime to = exchange.getVariable("to", OffsetDateTime.class);
        if (to == null || !Boolean.TRUE.equals(exchange.getVariable("claimed", Boolean.class))) {
            return;
        }
        try {
            jdbc.update(
                    "UPDATE digest_run SET claimed_by = NULL WHERE window_end = ? AND claimed_by = ? AND sent_at IS NULL",
                    to,
                    instance);
        } catch (RuntimeException e) {
            log.warn("Could not give back the digest window ending {}, it is taken again later: {}", to, e.toString());
        }
    }

    /** Reads the figures of the claimed window into variable {@code digest}. */
    public void read(Exchange exchange) {
        OffsetDateTime from = exchange.getVariable("from", OffsetDateTime.class);
        OffsetDateTime to = exchange.getVariable("to", OffsetDateTime.class);
        exchange.setVariable("digest", figures(from, to));
    }

    /** The figures for the text templates. */
    public Map<String, Object> text(Exchange exchange) {
        return late(model(exchange.getVariable("digest", Figures.class), false), exchange);
    }

    /** The same figures, HTML-escaped. */
    public Map<String, Object> html(Exchange exchange) {
        return late(model(exchange.getVariable("digest", Figures.class), true), exchange);
    }

    private static Map<String, Object> late(Map<String, Object> model, Exchange exchange) {
        model.put("late", Boolean.TRUE.equals(exchange.getVariable("late", Boolean.class)) ? "true" : "false");
        return model;
    }

    Figures figures(OffsetDateTime from, OffsetDateTime to) {
        Figures totals = jdbc.queryForObject(
                TOTALS,
                (row, n) -> new Figures(
                        from,
                        to,
                        row.getLong(1),
                        row.getLong(2),
                        row.getLong(3),
                        row.getLong(4),
                        row.getLong(5),
                        row.getBigDecimal(6),
                        Map.of(),
                        List.of()),
                from,
                to);
        Map<String, Long> sentiments = new LinkedHashMap<>();
        jdbc.query(
                SENTIMENT_MIX,
                (ResultSet row) -> {
                    sentiments.put(row.getString(1), row.getLong(2));
                },
                from,
                to);
        if (sentiments.size() > SENTIMENTS) {
            // the most frequent by name, the rest as one: a sentiment is payload text, its kinds unbounded
            List<String> named = new ArrayList<>(sentiments.keySet()).subList(0, SENTIMENTS);
            long shown = named.stream().mapToLong(sentiments::get).sum();
            sentiments.keySet().retainAll(named);
            sentiments.put("other", totals.calls() - shown);
        }
        List<Map<String, String>> listed = jdbc.query(UNSUCCESSFUL, (row, n) -> unsuccessful(row), from, to);
        return new Figures(
                from,
                to,
                totals.calls(),
                totals.successful(),
                totals.unsuccessful(),
                totals.durationTotal(),
                totals.durations(),
                totals.tokenCost(),
                sentiments,
                listed);
    }

    private Map<String, String> unsuccessful(ResultSet row) throws SQLException {
        ZoneId zone = ZoneId.of(properties.zone());
        Map<String, String> call = new LinkedHashMap<>();
        String name = row.getString(2);
        call.put("customer", text(name != null ? name : row.getString(3), 100));
        call.put("agent", text(row.getString(4), 100));
        call.put("reason", text(row.getString(5), 100));
        call.put("summary", text(row.getString(6), 300));
        call.put("at", time(row.getObject(1), zone));
        call.put("callId", text(row.getString(7), 255));
        return call;
    }

    Map<String, Object> model(Figures figures, boolean html) {
        ZoneId zone = ZoneId.of(properties.zone());
        long calls = figures.calls();
        Map<String, Object> model = new LinkedHashMap<>();
        model.put(
                "from",
                figures.from() == null
                        ? CallFacts.NONE
                        : WHEN.format(figures.from().atZoneSameInstant(zone)));
        model.put(
                "to",
                figures.to() == null ? CallFacts.NONE : WHEN.format(figures.to().atZoneSameInstant(zone)));
        model.put("zone", zone.getId());
        // "true" when the window's own run failed or was missed and this digest comes after its time
        model.put("late", "false");
        model.put("calls", Long.toString(calls));
        model.put("successful", Long.toString(figures.successful()));
        model.put("unsuccessful", Long.toString(figures.unsuccessful()));
        model.put("unknown", Long.toString(calls - figures.successful() - figures.unsuccessful()));
        model.put(
                "successRate",
                calls == 0 ? CallFacts.NONE : String.format("%.1f%%", 100.0 * figures.successful() / calls));
        model.put(
                "averageDuration",
                figures.durations() == 0
                        ? CallFacts.NONE
                        : CallFacts.duration(Math.round((double) figures.durationTotal() / figures.durations())));
        model.put(
                "tokenCost",
                (figures.tokenCost() == null ? BigDecimal.ZERO : figures.tokenCost())
                        .stripTrailingZeros()
                        .toPlainString());
        List<Map<String, String>> mix = new ArrayList<>();
        figures.sentiments()
                .forEach((sentiment, count) ->
                        mix.add(escape(Map.of("sentiment", text(sentiment, 50), "count", Long.toString(count)), html)));
        model.put("sentiments", mix);
        model.put(
                "unsuccessfulCalls",
                figures.listed().stream().map(call -> escape(call, html)).toList());
        model.put(
                "unsuccessfulNotListed",
                Long.toString(figures.unsuccessful() - figures.listed().size()));
        return model;
    }

    /** The figures of these envelopes, as the digest would read them from the audit table (template checks). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> sample(List<Map<String, Object>> envelopes, boolean html) {
        OffsetDateTime to = clock.now();
        long calls = 0;
        long successful = 0;
        long unsuccessful = 0;
        long durationTotal = 0;
        long durations = 0;
        BigDecimal cost = BigDecimal.ZERO;
        Map<String, Long> sentiments = new TreeMap<>();
        List<Map<String, String>> listed = new ArrayList<>();
        for (Map<String, Object> envelope : envelopes) {
            if (!"call.ended".equals(envelope.get("event"))) {
                continue;
            }
            Map<String, Object> data = (Map<String, Object>) envelope.get("data");
            calls++;
            if (Boolean.TRUE.equals(data.get("callSuccessful"))) {
                successful++;
            } else if (Boolean.FALSE.equals(data.get("callSuccessful"))) {
                unsuccessful++;
                Map<String, String> call = new LinkedHashMap<>();
                call.put("customer", text(data.get("customerName"), 100));
                call.put("agent", text(data.get("agentName"), 100));
                call.put("reason", text(data.get("disconnectionReason"), 100));
                call.put("summary", text(data.get("summary"), 300));
                call.put("at", WHEN.format(to.atZoneSameInstant(ZoneId.of(properties.zone()))));
                call.put("callId", text(data.get("callId"), 255));
                listed.add(call);
            }
            if (data.get("duration") instanceof Number seconds) {
                durationTotal += seconds.longValue();
                durations++;
            }
            if (data.get("tokenCost") instanceof Number amount) {
                cost = cost.add(new BigDecimal(amount.toString()));
            }
            sentiments.merge(String.valueOf(data.getOrDefault("sentiment", "unknown")), 1L, Long::sum);
        }
        return model(
                new Figures(
                        to.minus(properties.window()),
                        to,
                        calls,
                        successful,
                        unsuccessful,
                        durationTotal,
                        durations,
                        cost,
                        sentiments,
                        listed),
                html);
    }

    private static Map<String, String> escape(Map<String, String> values, boolean html) {
        if (!html) {
            return values;
        }
        Map<String, String> escaped = new LinkedHashMap<>();
        values.forEach((key, value) -> escaped.put(key, HtmlUtils.htmlEscape(value, "UTF-8")));
        return escaped;
    }

    /** Payload text for the digest: the value, or "—"; cut to {@code max} characters with "…". */
    private static String text(Object value, int max) {
        if (value == null) {
            return CallFacts.NONE;
        }
        String text = value.toString();
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private static String time(Object value, ZoneId zone) {
        if (value instanceof OffsetDateTime time) {
            return WHEN.format(time.atZoneSameInstant(zone));
        }
        if (value instanceof Timestamp time) {
            return WHEN.format(time.toInstant().atZone(zone));
        }
        return value == null ? CallFacts.NONE : value.toString();
    }
}
