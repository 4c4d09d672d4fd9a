package io.callhook.db;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The database's time, read without a query: this machine's clock plus the offset to the database's clock,
 * measured at start and again on every recovery pass. Claims are set and compared by several instances; on
 * one clock, an instance whose own clock runs minutes ahead cannot see a live instance's claim as expired
 * (and send the same delivery), and received times sort the same whichever instance took the webhook.
 */
@Component
public class DatabaseClock {

    private static final Logger log = LoggerFactory.getLogger(DatabaseClock.class);
    // an offset this large is worth a line in the log: the host's clock is not synchronised
    private static final Duration NOTABLE = Duration.ofSeconds(5);

    private final JdbcTemplate jdbc;
    private final Clock local;
    private volatile Duration offset = Duration.ZERO;
    private volatile boolean measured;

    public DatabaseClock(JdbcTemplate jdbc, Clock local) {
        this.jdbc = jdbc;
        this.local = local;
    }

    /** Now, on the database's clock (as last measured), in UTC. */
    public OffsetDateTime now() {
        if (!measured) {
            synchronize();
        }
        return OffsetDateTime.now(local).plus(offset).withOffsetSameInstant(ZoneOffset.UTC);
    }

    /**
     * Measures the offset again: the database's {@code CURRENT_TIMESTAMP} against the middle of the round
     * trip. Keeps the last offset when the database cannot be asked.
     */
    public void synchronize() {
        try {
            long before = local.millis();
            Timestamp database = jdbc.queryForObject("SELECT CURRENT_TIMESTAMP", Timestamp.class);
            long after = local.millis();
            if (database == null) {
                return;
            }
            Duration measuredOffset = Duration.ofMillis(database.getTime() - (before + after) / 2);
            if (measuredOffset.abs().compareTo(NOTABLE) > 0
                    && (!measured || measuredOffset.minus(offset).abs().compareTo(NOTABLE) > 0)) {
                log.warn(
                        "This host's clock is {} ms {} the database's: claims and received times use the database's",
                        measuredOffset.abs().toMillis(),
                        measuredOffset.isNegative() ? "ahead of" : "behind");
            }
            offset = measuredOffset;
            measured = true;
        } catch (RuntimeException e) {
            log.debug("Could not read the database's clock, keeping the last offset: {}", e.toString());
        }
    }
}
