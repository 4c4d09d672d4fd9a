package io.callhook.digest;

import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.callhook.call.CallFacts;
import io.callhook.mail.MailProperties;
import org.apache.camel.Exchange;
import org.apache.camel.component.jdbc.JdbcConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.util.LinkedCaseInsensitiveMap;
import org.springframework.web.util.HtmlUtils;

/**
 * The digest's figures, from the audit rows of the window: number of calls, success rate, average
 * duration, sentiment mix, token cost, and the unsuccessful calls. The digest route queries the rows and
 * renders the templates; this bean decides the window (one instance per window) and does the sums.
 */
@Component("digestReport")
public class DigestReport {

    private static final Logger log = LoggerFactory.getLogger(DigestReport.class);
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
    private static final String INSTANCE = ManagementFactory.getRuntimeMXBean().getName();

    private final JdbcTemplate jdbc;
    private final DigestProperties properties;
    private final MailProperties mail;

    public DigestReport(JdbcTemplate jdbc, DigestProperties properties, MailProperties mail) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.mail = mail;
    }

    /**
     * Takes on the window that ends now (to the minute). Sets variable {@code claimed}: true for exactly one
     * of the instances that fire the same schedule, and never when email is off. Leaves the window in the
     * JDBC parameters {@code from} and {@code to}, and in variables of the same names.
     */
    public void claim(Exchange exchange) {
        exchange.setVariable("claimed", claimWindow(exchange));
    }

    private boolean claimWindow(Exchange exchange) {
        if (!mail.enabled()) {
            log.info("Digest not sent: email is off");
            return false;
        }
        OffsetDateTime to = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        OffsetDateTime from = to.minus(properties.window());
        try {
            jdbc.update(
                    "INSERT INTO digest_run (window_end, window_start, claimed_by, claimed_at) VALUES (?, ?, ?, ?)",
                    to,
                    from,
                    INSTANCE,
                    OffsetDateTime.now(ZoneOffset.UTC));
        } catch (DuplicateKeyException taken) {
            log.info("Digest for the window ending {} is sent by another instance", to);
            return false;
        }
        exchange.setVariable("from", from);
        exchange.setVariable("to", to);
        exchange.getMessage().setHeader(JdbcConstants.JDBC_PARAMETERS, Map.of("from", from, "to", to));
        return true;
    }

    /** The figures for the text templates, from the rows the digest route selected. */
    public Map<String, Object> text(Exchange exchange) {
        return figures(exchange, false);
    }

    /** The same figures, HTML-escaped. */
    public Map<String, Object> html(Exchange exchange) {
        return figures(exchange, true);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> figures(Exchange exchange, boolean html) {
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Map<String, Object>> selected = exchange.getVariable("rows", List.class);
        if (selected != null) {
            // H2 names columns in capitals, PostgreSQL in lower case
            for (Map<String, Object> row : selected) {
                Map<String, Object> anyCase = new LinkedCaseInsensitiveMap<>();
                anyCase.putAll(row);
                rows.add(anyCase);
            }
        }
        return summarize(
                rows,
                exchange.getVariable("from", OffsetDateTime.class),
                exchange.getVariable("to", OffsetDateTime.class),
                html);
    }

    Map<String, Object> summarize(
            List<Map<String, Object>> rows, OffsetDateTime from, OffsetDateTime to, boolean html) {
        ZoneId zone = ZoneId.of(properties.zone());
        int calls = rows.size();
        int successful = 0;
        int unsuccessful = 0;
        long durationTotal = 0;
        int durations = 0;
        BigDecimal tokenCost = BigDecimal.ZERO;
        Map<String, Integer> sentiments = new TreeMap<>();
        List<Map<String, String>> failed = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Object outcome = row.get("call_successful");
            if (Boolean.TRUE.equals(outcome)) {
                successful++;
            } else if (Boolean.FALSE.equals(outcome)) {
                unsuccessful++;
                Map<String, String> call = new LinkedHashMap<>();
                call.put("customer", text(row.get("customer_name"), text(row.get("customer_phone"), CallFacts.NONE)));
                call.put("agent", text(row.get("agent_name"), CallFacts.NONE));
                call.put("reason", text(row.get("disconnection_reason"), CallFacts.NONE));
                call.put("summary", text(row.get("summary"), CallFacts.NONE));
                call.put("at", time(row.get("received_at"), zone));
                call.put("callId", text(row.get("call_id"), CallFacts.NONE));
                failed.add(escape(call, html));
            }
            if (row.get("duration_seconds") instanceof Number seconds) {
                durationTotal += seconds.longValue();
                durations++;
            }
            if (row.get("token_cost") instanceof BigDecimal cost) {
                tokenCost = tokenCost.add(cost);
            } else if (row.get("token_cost") instanceof Number cost) {
                tokenCost = tokenCost.add(new BigDecimal(cost.toString()));
            }
            sentiments.merge(text(row.get("sentiment"), "unknown"), 1, Integer::sum);
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("from", from == null ? CallFacts.NONE : WHEN.format(from.atZoneSameInstant(zone)));
        model.put("to", to == null ? CallFacts.NONE : WHEN.format(to.atZoneSameInstant(zone)));
        model.put("zone", zone.getId());
        model.put("calls", Integer.toString(calls));
        model.put("successful", Integer.toString(successful));
        model.put("unsuccessful", Integer.toString(unsuccessful));
        model.put("unknown", Integer.toString(calls - successful - unsuccessful));
        model.put("successRate", calls == 0 ? CallFacts.NONE : String.format("%.1f%%", 100.0 * successful / calls));
        model.put(
                "averageDuration",
                durations == 0 ? CallFacts.NONE : CallFacts.duration(Math.round((double) durationTotal / durations)));
        model.put("tokenCost", tokenCost.stripTrailingZeros().toPlainString());
        List<Map<String, String>> mix = new ArrayList<>();
        sentiments.forEach((sentiment, count) ->
                mix.add(escape(Map.of("sentiment", sentiment, "count", Integer.toString(count)), html)));
        model.put("sentiments", mix);
        model.put("unsuccessfulCalls", failed);
        return model;
    }

    /** What the audit table holds for these envelopes, as the digest's query returns it (for template checks). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> sample(List<Map<String, Object>> envelopes, boolean html) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> envelope : envelopes) {
            if (!"call.ended".equals(envelope.get("event"))) {
                continue;
            }
            Map<String, Object> data = (Map<String, Object>) envelope.get("data");
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("call_id", data.get("callId"));
            row.put("customer_name", data.get("customerName"));
            row.put("customer_phone", data.get("customerPhone"));
            row.put("agent_name", data.get("agentName"));
            row.put("duration_seconds", data.get("duration"));
            row.put("sentiment", data.get("sentiment"));
            row.put("summary", data.get("summary"));
            row.put("disconnection_reason", data.get("disconnectionReason"));
            row.put("call_successful", data.get("callSuccessful"));
            row.put("token_cost", data.get("tokenCost"));
            row.put("received_at", OffsetDateTime.now(ZoneOffset.UTC));
            rows.add(row);
        }
        OffsetDateTime to = OffsetDateTime.now(ZoneOffset.UTC);
        return summarize(rows, to.minus(properties.window()), to, html);
    }

    private static Map<String, String> escape(Map<String, String> values, boolean html) {
        if (!html) {
            return values;
        }
        Map<String, String> escaped = new LinkedHashMap<>();
        values.forEach((key, value) -> escaped.put(key, HtmlUtils.htmlEscape(value, "UTF-8")));
        return escaped;
    }

    private static String text(Object value, String otherwise) {
        return value == null ? otherwise : value.toString();
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
