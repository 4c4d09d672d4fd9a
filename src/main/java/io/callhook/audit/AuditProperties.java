package io.callhook.audit;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How audit rows are committed.
 *
 * @param maxBatch most rows in one group commit
 * @param commitTimeout how long a webhook waits for its row's commit before it is answered 503; also the
 *     bound of each statement the writer runs
 * @param journalSealInterval on H2, how often the journal's older segments are written into H2's file and
 *     deleted
 * @param fsync on H2, force each group commit's journal append to the device before answering: survives a
 *     power cut, not only a killed process (PostgreSQL's commit always does)
 */
@ConfigurationProperties("callhook.audit")
public record AuditProperties(
        @DefaultValue("200") int maxBatch,
        @DefaultValue("5s") Duration commitTimeout,
        @DefaultValue("1s") Duration journalSealInterval,
        @DefaultValue("true") boolean fsync) {

    public AuditProperties {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("callhook.audit.max-batch must be at least 1");
        }
        if (commitTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("CALLHOOK_AUDIT_COMMIT_TIMEOUT must be positive");
        }
    }
}
