package io.callhook.db;

import io.callhook.testing.Databases;
import io.callhook.testing.Databases.Major;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The SQL tests' PostgreSQL servers are the two majors they claim to be: 14, and the newest (18). */
class PostgresMajorsTest {

    @Test
    void theOldestAndTheNewestMajorAreRunning() {
        assertThat(Databases.majorOf(Databases.shared(Major.OLDEST))).isEqualTo(14);
        assertThat(Databases.majorOf(Databases.shared(Major.NEWEST))).isGreaterThanOrEqualTo(18);
    }
}
