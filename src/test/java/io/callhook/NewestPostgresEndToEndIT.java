package io.callhook;

import io.callhook.testing.Databases;
import io.callhook.testing.Databases.Major;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The end-to-end scenarios on the newest PostgreSQL major the embedded binaries offer: every statement of
 * intake, delivery, the console's and the admin API's runs on it (15 and newer parse SQL more strictly).
 */
class NewestPostgresEndToEndIT extends EndToEnd {

    static final String DATABASE = Databases.emptyDatabase(Major.NEWEST);

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) {
        Databases.use(() -> DATABASE, properties);
    }
}
