package io.callhook;

import io.callhook.testing.Databases;
import io.callhook.testing.Databases.Major;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The digest on the oldest PostgreSQL major tested: its sums are SQL, which 15 and newer parse more strictly than 14. */
class DigestOnOldestPostgresIT extends Digest {

    static final String DATABASE = Databases.emptyDatabase(Major.OLDEST);

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) {
        Databases.use(() -> DATABASE, properties);
    }
}
