package io.callhook.console;

import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;

import io.callhook.db.DatabaseClock;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Counts the backlog once a minute into {@code backlog_sample} (routes/backlog.camel.yaml), for the
 * dashboard's chart of it over time. With several instances the first to count a minute writes it.
 */
@Component("backlogSamples")
public class BacklogSamples {

    private final JdbcTemplate jdbc;
    private final DatabaseClock clock;

    BacklogSamples(JdbcTemplate jdbc, DatabaseClock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public void sample() {
        OffsetDateTime minute = clock.now().truncatedTo(ChronoUnit.MINUTES);
        if (!jdbc.queryForList("SELECT 1 FROM backlog_sample WHERE sampled_at = ?", minute)
                .isEmpty()) {
            return;
        }
        long pending = jdbc.queryForObject("SELECT COUNT(*) FROM call_delivery WHERE status = 'PENDING'", Long.class);
        // the column keeps its name: events stored and not routed yet (the routing table failed on them)
        long undispatched = jdbc.queryForObject("SELECT COUNT(*) FROM unrouted_event", Long.class);
        try {
            jdbc.update(
                    "INSERT INTO backlog_sample (sampled_at, pending, undispatched) VALUES (?, ?, ?)",
                    minute,
                    pending,
                    undispatched);
        } catch (DuplicateKeyException anotherInstance) {
            // counted by another instance in the same minute
        }
    }
}
