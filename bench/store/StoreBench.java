import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.callhook.audit.AuditLog;
import io.callhook.audit.AuditProperties;
import io.callhook.db.Database;
import io.callhook.db.DatabaseClock;
import io.callhook.db.InstanceId;
import io.callhook.intake.IntakeProperties;
import io.callhook.intake.WebhookReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.unit.DataSize;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The durable write path of intake, at the storage level, for H2 + callhook's audit journal and for SQLite in
 * WAL mode (issue 16, item 3). Run by bench/store.sh, one JVM per figure:
 *
 * <pre>
 *   StoreBench load  VARIANT DIR WARMUP DURATION   sustained appends; prints one RESULT line
 *   StoreBench crash VARIANT DIR                   the same load until killed; prints each acknowledged id
 *   StoreBench check VARIANT DIR ACKED             reopens the store, counts acknowledged ids it lacks
 * </pre>
 *
 * Both stores get the same work: THREADS request threads, each parsing a webhook body (bench/webhook.lua's,
 * a fresh id each time) into an audit row with the service's own WebhookReader and waiting for its group
 * commit, and one dispatch thread writing each event's three channel rows and removing its outbox row. H2 runs
 * the service's AuditLog itself (group commit, then the journal append that makes a row survive a kill -9);
 * SQLite runs {@link SqliteAuditLog}, the same group commit without a journal, since its commit is durable by
 * itself. Work files live in DIR; the working directory must be the project's root.
 */
public final class StoreBench {

    static final int THREADS = Integer.getInteger("bench.threads", 32);
    // AuditProperties' defaults, as the service runs them: 200 rows per commit at most, 5 s to commit, a seal a second
    static final int MAX_BATCH = 200;
    static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);
    // dispatch's channels for a successful call (routes/call-routing.camel.yaml), all off as in bench/run.sh:
    // three SKIPPED rows, each with the reason Destination.offReason gives
    static final Map<String, String> CHANNELS = Map.of(
            "slack", "slack is off: callhook.slack.webhook-url (CALLHOOK_SLACK_WEBHOOK_URL) is not set",
            "email", "email is off: callhook.mail.host (CALLHOOK_MAIL_HOST) is not set",
            "forward", "forward is off: callhook.forward.url (CALLHOOK_FORWARD_URL) is not set");
    static final int DISPATCH_BATCH = 100;

    /** The store under test, and the setting that decides what a 200 survives once it is sent. */
    enum Variant {
        H2_JOURNAL_FSYNC("h2-journal-fsync"),
        H2_JOURNAL_NOFSYNC("h2-journal-nofsync"),
        SQLITE_WAL_NORMAL("sqlite-wal-normal"),
        SQLITE_WAL_FULL("sqlite-wal-full"),
        // not in the default run: a commit reaches the operating system whatever the level, so a kill -9 cannot
        // tell OFF from NORMAL (only a power cut can)
        SQLITE_WAL_OFF("sqlite-wal-off"),
        // the control of the loss check: H2 with AuditLog trusting its commit as it trusts PostgreSQL's (no journal,
        // no write-through), so an acknowledged row waits in memory for H2's background write (every 500 ms or so)
        H2_NO_JOURNAL("h2-no-journal");

        final String name;

        Variant(String name) {
            this.name = name;
        }

        static Variant of(String name) {
            for (Variant v : values()) {
                if (v.name.equals(name)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("unknown variant " + name);
        }

        boolean h2() {
            return name.startsWith("h2");
        }

        Store open(Path dir, boolean create) throws Exception {
            return switch (this) {
                case H2_JOURNAL_FSYNC -> new H2Store(dir, true, true, create);
                case H2_JOURNAL_NOFSYNC -> new H2Store(dir, true, false, create);
                case H2_NO_JOURNAL -> new H2Store(dir, false, false, create);
                case SQLITE_WAL_NORMAL -> new SqliteStore(dir, SQLiteConfig.SynchronousMode.NORMAL, create);
                case SQLITE_WAL_FULL -> new SqliteStore(dir, SQLiteConfig.SynchronousMode.FULL, create);
                case SQLITE_WAL_OFF -> new SqliteStore(dir, SQLiteConfig.SynchronousMode.OFF, create);
            };
        }
    }

    /** One store under test; its writer is started by {@link #start()}. */
    interface Store extends AutoCloseable {
        void start() throws Exception;

        /** Stores the row of the exchange's variable {@code auditRow}; true when stored, false for a duplicate. */
        boolean append(Exchange exchange) throws Exception;

        DataSource dataSource();

        /** A connection of its own for dispatch, outside the writer's. */
        Connection dispatchConnection() throws SQLException;

        /** How this store binds a timestamp. */
        Object timestamp(OffsetDateTime time);

        void begin(Connection connection) throws SQLException;

        void commit(Connection connection) throws SQLException;

        void rollback(Connection connection) throws SQLException;

        /** Stops the writer and writes through what is only in a journal or a WAL, as a quiet moment would. */
        void settle() throws Exception;

        @Override
        void close();
    }

    // ---------------------------------------------------------------------------------------------------------
    // H2 + journal: the service's own classes, wired by hand the way Spring wires them

    static final class H2Store implements Store {
        final HikariDataSource pool;
        final AuditLog audit;

        H2Store(Path dir, boolean journal, boolean fsync, boolean create) {
            HikariConfig config = new HikariConfig();
            // spring.datasource.url of application.yaml, in DIR
            config.setJdbcUrl("jdbc:h2:file:" + dir.toAbsolutePath().resolve("callhook") + ";DB_CLOSE_ON_EXIT=FALSE");
            config.setUsername("sa");
            config.setPassword("");
            pool = pool(config);
            if (create) {
                Flyway.configure()
                        .dataSource(pool)
                        .locations("classpath:db/migration", "classpath:db/vendor/h2")
                        .load()
                        .migrate();
            }
            // AuditLog journals only when Database names an H2 file; without one it trusts the commit, as it does
            // PostgreSQL's (and writeThrough, which asks the same, does nothing)
            Database database = journal
                    ? new Database(pool)
                    : new Database(pool) {
                        @Override
                        public Optional<Path> h2File() {
                            return Optional.empty();
                        }
                    };
            audit = new AuditLog(
                    pool,
                    database,
                    new DatabaseClock(new JdbcTemplate(pool), Clock.systemUTC()),
                    new InstanceId("bench-store", 0),
                    new SimpleMeterRegistry(),
                    new AuditProperties(MAX_BATCH, COMMIT_TIMEOUT, Duration.ofSeconds(1), fsync));
        }

        @Override
        public void start() {
            audit.start(); // replays the journal a previous run left, as at the service's start
        }

        @Override
        public boolean append(Exchange exchange) throws Exception {
            audit.append(exchange);
            return "false".equals(exchange.getVariable("duplicate"));
        }

        @Override
        public DataSource dataSource() {
            return pool;
        }

        @Override
        public Connection dispatchConnection() throws SQLException {
            return pool.getConnection();
        }

        @Override
        public Object timestamp(OffsetDateTime time) {
            return time;
        }

        @Override
        public void begin(Connection connection) throws SQLException {
            connection.setAutoCommit(false);
        }

        @Override
        public void commit(Connection connection) throws SQLException {
            connection.commit();
            connection.setAutoCommit(true);
        }

        @Override
        public void rollback(Connection connection) throws SQLException {
            connection.rollback();
            connection.setAutoCommit(true);
        }

        @Override
        public void settle() {
            audit.stop(); // seals the journal: CHECKPOINT SYNC, older segments deleted
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // SQLite in WAL mode: the same tables, and AuditLog's group commit without the journal

    static final class SqliteStore implements Store {
        final Path file;
        final HikariDataSource pool;
        final SqliteAuditLog audit;

        SqliteStore(Path dir, SQLiteConfig.SynchronousMode synchronous, boolean create) throws SQLException {
            file = dir.toAbsolutePath().resolve("callhook.db");
            HikariConfig config = new HikariConfig();
            config.setDataSource(sqlite(file, synchronous));
            pool = pool(config);
            if (create) {
                try (Connection connection = pool.getConnection(); Statement ddl = connection.createStatement()) {
                    for (String statement : SQLITE_SCHEMA.split(";")) {
                        if (!statement.isBlank()) {
                            ddl.execute(statement);
                        }
                    }
                }
            }
            audit = new SqliteAuditLog(pool, this);
            // what the driver was asked for is what SQLite runs: a setting it ignored would measure something else
            String level = switch (synchronous) {
                case OFF -> "0";
                case NORMAL -> "1";
                case FULL -> "2";
            };
            String expected = "journal_mode=wal synchronous=" + level + " busy_timeout=" + COMMIT_TIMEOUT.toMillis()
                    + " foreign_keys=1";
            try (Connection connection = pool.getConnection(); Statement query = connection.createStatement()) {
                String actual = "journal_mode=" + pragma(query, "journal_mode") + " synchronous="
                        + pragma(query, "synchronous") + " busy_timeout=" + pragma(query, "busy_timeout")
                        + " foreign_keys=" + pragma(query, "foreign_keys");
                if (!actual.equals(expected)) {
                    throw new IllegalStateException("SQLite runs with " + actual + ", not " + expected);
                }
            }
        }

        static String pragma(Statement query, String name) throws SQLException {
            try (ResultSet result = query.executeQuery("PRAGMA " + name)) {
                result.next();
                return result.getString(1);
            }
        }

        /**
         * WAL, the synchronous level under test, foreign keys enforced as H2 does, and a writer that finds the
         * database locked waits for it up to the commit timeout instead of failing at once.
         */
        static SQLiteDataSource sqlite(Path file, SQLiteConfig.SynchronousMode synchronous) {
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(synchronous);
            config.setBusyTimeout((int) COMMIT_TIMEOUT.toMillis());
            config.enforceForeignKeys(true);
            SQLiteDataSource source = new SQLiteDataSource(config);
            source.setUrl("jdbc:sqlite:" + file);
            return source;
        }

        @Override
        public void start() {
            audit.start();
        }

        @Override
        public boolean append(Exchange exchange) throws Exception {
            @SuppressWarnings("unchecked")
            Map<String, Object> row = exchange.getVariable("auditRow", Map.class);
            return audit.append(row);
        }

        @Override
        public DataSource dataSource() {
            return pool;
        }

        /**
         * Dispatch's records need not reach the device before it goes on: the service commits them without
         * waiting for the flush on PostgreSQL (DeliveryLedger.relaxCommit), and in memory on H2. The SQLite port
         * of that is synchronous=NORMAL on dispatch's own connection, whatever the audit rows' level.
         */
        @Override
        public Connection dispatchConnection() throws SQLException {
            return sqlite(file, SQLiteConfig.SynchronousMode.NORMAL).getConnection();
        }

        @Override
        public Object timestamp(OffsetDateTime time) {
            return SQLITE_TIME.format(time.withOffsetSameInstant(ZoneOffset.UTC));
        }

        /**
         * BEGIN IMMEDIATE takes the write lock at once (waiting up to busy_timeout), so two writers never meet
         * half-way through a transaction, where SQLite fails the upgrade without waiting. Explicit statements, not
         * setAutoCommit(false): sqlite-jdbc begins the next transaction as soon as commit() returns, and with
         * IMMEDIATE would hold the write lock between transactions.
         */
        @Override
        public void begin(Connection connection) throws SQLException {
            try (Statement statement = connection.createStatement()) {
                statement.execute("BEGIN IMMEDIATE");
            }
        }

        @Override
        public void commit(Connection connection) throws SQLException {
            try (Statement statement = connection.createStatement()) {
                statement.execute("COMMIT");
            }
        }

        @Override
        public void rollback(Connection connection) throws SQLException {
            try (Statement statement = connection.createStatement()) {
                statement.execute("ROLLBACK");
            }
        }

        @Override
        public void settle() throws SQLException {
            audit.stop();
            try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    // SQLite's text form of a timestamp: fixed width in UTC, so it sorts as text and its date functions read it
    static final DateTimeFormatter SQLITE_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

    /**
     * db/migration's call_audit, dispatch_outbox and call_delivery with the same columns, keys, checks and
     * indexes (db/vendor/h2's call_id index too), in SQLite's types: timestamps as text (above), BOOLEAN as
     * INTEGER, NUMERIC(18, 6) as text (SQLite's NUMERIC would round to a double). SQLite does not enforce the
     * VARCHAR lengths. The tables only the console, digest, alerts and replays use are left out: nothing here
     * writes them.
     */
    static final String SQLITE_SCHEMA = """
            CREATE TABLE call_audit (
                delivery_id          TEXT    NOT NULL PRIMARY KEY,
                event                TEXT    NOT NULL,
                received_at          TEXT    NOT NULL,
                occurred_at          TEXT,
                call_id              TEXT,
                organization_id      TEXT,
                agent_id             TEXT,
                agent_name           TEXT,
                customer_name        TEXT,
                customer_phone       TEXT,
                from_number          TEXT,
                direction            TEXT,
                status               TEXT,
                duration_seconds     INTEGER,
                disconnection_reason TEXT,
                sentiment            TEXT,
                summary              TEXT,
                transcript           TEXT,
                call_successful      INTEGER,
                token_cost           TEXT,
                started_at           TEXT,
                ended_at             TEXT,
                metadata             TEXT,
                payload              TEXT    NOT NULL
            );
            CREATE INDEX call_audit_received_at ON call_audit (received_at);
            CREATE INDEX call_audit_call_id ON call_audit (call_id);
            CREATE TABLE dispatch_outbox (
                delivery_id TEXT NOT NULL PRIMARY KEY REFERENCES call_audit (delivery_id),
                received_at TEXT NOT NULL,
                lease_until TEXT,
                taken_by    TEXT
            );
            CREATE INDEX dispatch_outbox_received_at ON dispatch_outbox (received_at);
            CREATE TABLE call_delivery (
                delivery_id TEXT    NOT NULL REFERENCES call_audit (delivery_id),
                channel     TEXT    NOT NULL,
                status      TEXT    NOT NULL,
                attempts    INTEGER NOT NULL DEFAULT 0,
                last_error  TEXT,
                created_at  TEXT    NOT NULL,
                updated_at  TEXT    NOT NULL,
                lease_owner TEXT,
                lease_token TEXT,
                lease_until TEXT,
                PRIMARY KEY (delivery_id, channel),
                CONSTRAINT call_delivery_status CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'SKIPPED'))
            );
            CREATE INDEX call_delivery_status_lease ON call_delivery (status, lease_until);
            CREATE INDEX call_delivery_status_updated ON call_delivery (status, updated_at)
            """;

    /**
     * AuditLog's group commit for SQLite: one writer thread takes up to MAX_BATCH waiting rows, drops the ids
     * stored before, inserts the audit and outbox rows in one transaction and commits; then each request waits no
     * more. The statements are AuditLog's own (read from it), but for the known-ids query: SQLite has no arrays,
     * so the ids go in as one JSON array. No journal: once COMMIT returns the rows are in the WAL, which a killed
     * process does not lose (and, with synchronous=FULL, on the device). Without AuditLog's fallbacks for a
     * failed journal and a concurrent instance, which the H2 run never takes either.
     */
    static final class SqliteAuditLog {
        private record Pending(Map<String, Object> row, CompletableFuture<Boolean> stored) {
            String deliveryId() {
                return (String) row.get("deliveryId");
            }
        }

        static final String KNOWN_IDS = "SELECT delivery_id FROM call_audit WHERE delivery_id IN (SELECT value FROM json_each(?))";

        private final DataSource dataSource;
        private final Store store;
        private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(MAX_BATCH * 50);
        private final ObjectMapper json = new ObjectMapper();
        private volatile boolean running;
        private Thread writer;

        SqliteAuditLog(DataSource dataSource, Store store) {
            this.dataSource = dataSource;
            this.store = store;
        }

        void start() {
            running = true;
            writer = new Thread(this::writeLoop, "audit-writer");
            writer.setDaemon(true);
            writer.start();
        }

        void stop() {
            running = false;
            try {
                writer.join(COMMIT_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        boolean append(Map<String, Object> row) throws Exception {
            // AuditLog puts the database clock's now here, which reads no database either
            row.put("receivedAt", OffsetDateTime.now(ZoneOffset.UTC));
            Pending pending = new Pending(row, new CompletableFuture<>());
            if (!running || !queue.offer(pending, COMMIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SQLException("the audit log is not accepting rows", "08000");
            }
            try {
                return pending.stored().get(COMMIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : new SQLException(e.getCause());
            } catch (TimeoutException e) {
                throw new SQLException("the audit row was not committed within " + COMMIT_TIMEOUT.toMillis() + " ms", "08000", e);
            }
        }

        private void writeLoop() {
            List<Pending> batch = new ArrayList<>(MAX_BATCH);
            while (running || !queue.isEmpty()) {
                try {
                    Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (first != null) {
                        batch.add(first);
                        queue.drainTo(batch, MAX_BATCH - 1);
                        write(batch);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                } catch (Throwable e) {
                    batch.forEach(p -> p.stored().completeExceptionally(e));
                } finally {
                    batch.clear();
                }
            }
        }

        private void write(List<Pending> batch) throws SQLException, IOException {
            try (Connection connection = dataSource.getConnection()) {
                store.begin(connection);
                List<Pending> fresh;
                try {
                    fresh = withoutKnownIds(connection, batch);
                    try (PreparedStatement insert = connection.prepareStatement(AUDIT_INSERT);
                            PreparedStatement owed = connection.prepareStatement(AUDIT_OUTBOX)) {
                        for (Pending pending : fresh) {
                            for (int i = 0; i < AUDIT_PARAMETERS.size(); i++) {
                                insert.setObject(i + 1, sqliteValue(pending.row().get(AUDIT_PARAMETERS.get(i))));
                            }
                            insert.addBatch();
                            owed.setObject(1, pending.deliveryId());
                            owed.setObject(2, sqliteValue(pending.row().get("receivedAt")));
                            owed.setString(3, "bench-store");
                            owed.addBatch();
                        }
                        if (!fresh.isEmpty()) {
                            insert.executeBatch();
                            owed.executeBatch();
                        }
                    }
                    store.commit(connection);
                } catch (SQLException | IOException | RuntimeException e) {
                    rollback(store, connection, e);
                    throw e;
                }
                fresh.forEach(p -> p.stored().complete(true));
            }
        }

        /** Completes the repeated and the already stored ids as duplicates; returns the others. */
        private List<Pending> withoutKnownIds(Connection connection, List<Pending> batch)
                throws SQLException, IOException {
            Set<String> seen = new HashSet<>();
            List<Pending> candidates = new ArrayList<>();
            for (Pending pending : batch) {
                if (seen.add(pending.deliveryId())) {
                    candidates.add(pending);
                } else {
                    pending.stored().complete(false);
                }
            }
            Set<String> stored = new HashSet<>();
            try (PreparedStatement select = connection.prepareStatement(KNOWN_IDS)) {
                select.setString(1, json.writeValueAsString(candidates.stream().map(Pending::deliveryId).toList()));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        stored.add(rows.getString(1));
                    }
                }
            }
            List<Pending> fresh = new ArrayList<>();
            for (Pending pending : candidates) {
                if (stored.contains(pending.deliveryId())) {
                    pending.stored().complete(false);
                } else {
                    fresh.add(pending);
                }
            }
            return fresh;
        }

        /** An audit row's value as SQLite stores it (see SQLITE_SCHEMA). */
        private Object sqliteValue(Object value) {
            if (value instanceof OffsetDateTime time) {
                return store.timestamp(time);
            }
            if (value instanceof Boolean flag) {
                return flag ? 1 : 0;
            }
            if (value instanceof BigDecimal decimal) {
                return decimal.toPlainString();
            }
            return value; // text, integer or null
        }
    }

    // AuditLog's INSERT, its outbox insert and the row parameter bound to each column, read from AuditLog itself
    // (package-private there) so that SQLite stores exactly what H2 stores
    static final String AUDIT_INSERT = auditLogField("INSERT");
    static final String AUDIT_OUTBOX = auditLogField("OUTBOX");
    static final List<String> AUDIT_PARAMETERS = auditParameters();

    @SuppressWarnings("unchecked")
    static <T> T auditLogField(String name) {
        try {
            Field field = AuditLog.class.getDeclaredField(name);
            field.setAccessible(true);
            return (T) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("AuditLog." + name + " is gone: update StoreBench", e);
        }
    }

    static List<String> auditParameters() {
        List<String> parameters = new ArrayList<>();
        try {
            for (Object column : StoreBench.<List<?>>auditLogField("COLUMNS")) {
                Method parameter = column.getClass().getDeclaredMethod("parameter");
                parameter.setAccessible(true);
                parameters.add((String) parameter.invoke(column));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("AuditLog.Column changed: update StoreBench", e);
        }
        return parameters;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Dispatch: the same plain JDBC for both stores, a second writer beside the audit writer

    /**
     * Takes up to DISPATCH_BATCH events from the outbox (read outside the write transaction, as the service's
     * dispatch knows its events from the hand-off before it writes) and, in one transaction, records three SKIPPED
     * channel rows for each (DeliveryLedger's columns, DispatchRecords' group commit) and removes them from the
     * outbox.
     */
    static final class Dispatcher implements Runnable {
        static final String TAKE = "SELECT delivery_id FROM dispatch_outbox ORDER BY received_at LIMIT " + DISPATCH_BATCH;
        static final String RECORD = """
                INSERT INTO call_delivery (delivery_id, channel, status, attempts, last_error, created_at, updated_at,
                lease_owner, lease_token, lease_until) VALUES (?, ?, 'SKIPPED', 0, ?, ?, ?, NULL, NULL, NULL)""";
        static final String DISPATCHED = "DELETE FROM dispatch_outbox WHERE delivery_id = ?";

        final Store store;
        final AtomicLong events = new AtomicLong();
        final LongAdder failures = new LongAdder();
        volatile boolean running = true;
        Thread thread;

        Dispatcher(Store store) {
            this.store = store;
        }

        void start() {
            thread = new Thread(this, "dispatch");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        @Override
        public void run() {
            try (Connection connection = store.dispatchConnection()) {
                List<String> ids = new ArrayList<>();
                while (running) {
                    ids.clear();
                    try (PreparedStatement take = connection.prepareStatement(TAKE);
                            ResultSet rows = take.executeQuery()) {
                        while (rows.next()) {
                            ids.add(rows.getString(1));
                        }
                    }
                    if (ids.isEmpty()) {
                        Thread.sleep(5);
                        continue;
                    }
                    Object now = store.timestamp(OffsetDateTime.now(ZoneOffset.UTC));
                    try (PreparedStatement record = connection.prepareStatement(RECORD);
                            PreparedStatement dispatched = connection.prepareStatement(DISPATCHED)) {
                        store.begin(connection);
                        for (String id : ids) {
                            for (Map.Entry<String, String> channel : CHANNELS.entrySet()) {
                                record.setString(1, id);
                                record.setString(2, channel.getKey());
                                record.setString(3, channel.getValue());
                                record.setObject(4, now);
                                record.setObject(5, now);
                                record.addBatch();
                            }
                            dispatched.setString(1, id);
                            dispatched.addBatch();
                        }
                        record.executeBatch();
                        dispatched.executeBatch();
                        store.commit(connection);
                        events.addAndGet(ids.size());
                    } catch (SQLException e) {
                        // the write lock not had within busy_timeout, say: counted, and the events taken again
                        failures.increment();
                        rollback(store, connection, e);
                    }
                }
            } catch (SQLException e) {
                failures.increment();
                System.err.println("dispatch stopped: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The request threads

    /** What THREADS request threads do: parse a fresh webhook body with the service's reader, append, time it. */
    static final class Load {
        final Store store;
        final String template;
        final WebhookReader reader;
        final CamelContext camel = new DefaultCamelContext();
        final Recorder latency = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        final LongAdder appended = new LongAdder();
        final LongAdder errors = new LongAdder();
        final FileOutputStream acks; // crash mode: every acknowledged id, one write each
        final List<Thread> threads = new ArrayList<>();
        volatile boolean running = true;

        Load(Store store, FileOutputStream acks) throws IOException {
            this.store = store;
            this.acks = acks;
            this.template = webhookTemplate();
            // callhook.webhook's defaults (application.yaml): only max-body-size matters to parse
            this.reader = new WebhookReader(new IntakeProperties(
                    8080, "127.0.0.1", 64, Duration.ofSeconds(15), Duration.ofSeconds(60), DataSize.ofMegabytes(1),
                    null, IntakeProperties.STANDARD_WEBHOOKS, "Authorization", Duration.ofMinutes(5)));
        }

        void start(String prefix) {
            for (int t = 0; t < THREADS; t++) {
                String idPrefix = prefix + "-" + t + "-";
                Thread thread = new Thread(() -> run(idPrefix), "request-" + t);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        void stop() throws InterruptedException {
            running = false;
            for (Thread thread : threads) {
                thread.join();
            }
        }

        private void run(String idPrefix) {
            long counter = 0;
            while (running) {
                String id = idPrefix + (++counter);
                Exchange exchange = new DefaultExchange(camel);
                exchange.getMessage().setBody(template.replace("%s", id).getBytes(StandardCharsets.UTF_8));
                reader.parse(exchange);
                long start = System.nanoTime();
                try {
                    boolean stored = store.append(exchange);
                    long micros = (System.nanoTime() - start) / 1000;
                    latency.recordValue(Math.min(micros, TimeUnit.SECONDS.toMicros(60)));
                    appended.increment();
                    if (acks != null && stored) {
                        byte[] line = (id + "\n").getBytes(StandardCharsets.UTF_8);
                        synchronized (acks) {
                            acks.write(line); // unbuffered: in the kernel's hands before the next request
                        }
                    }
                } catch (Exception e) {
                    errors.increment();
                }
            }
        }
    }

    /** The body bench/webhook.lua sends (its long string, with %s for the id), read from it so the two agree. */
    static String webhookTemplate() throws IOException {
        Matcher body = Pattern.compile("\\[\\[(.*?)]]", Pattern.DOTALL).matcher(Files.readString(Path.of("bench/webhook.lua")));
        if (!body.find()) {
            throw new IllegalStateException("no [[…]] template in bench/webhook.lua");
        }
        return body.group(1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The three commands

    public static void main(String[] args) throws Exception {
        Variant variant = Variant.of(args[1]);
        Path dir = Path.of(args[2]);
        switch (args[0]) {
            case "load" -> load(variant, dir, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "crash" -> crash(variant, dir);
            case "check" -> check(variant, dir, Path.of(args[3]));
            default -> throw new IllegalArgumentException("load, crash or check");
        }
        System.exit(0); // Camel's and Hikari's housekeeping threads are not worth waiting for
    }

    /** WARMUP s of load, then DURATION s measured; then the files on disk, live and once settled. */
    static void load(Variant variant, Path dir, int warmup, int duration) throws Exception {
        Files.createDirectories(dir);
        try (Store store = variant.open(dir, true)) {
            store.start();
            Load load = new Load(store, null);
            Dispatcher dispatch = new Dispatcher(store);
            dispatch.start();
            load.start("store-" + variant.name);
            Thread.sleep(warmup * 1000L);

            long appended0 = load.appended.sum();
            long errors0 = load.errors.sum();
            long dispatched0 = dispatch.events.get();
            long cpu0 = processCpuNanos();
            load.latency.reset();
            long begin = System.nanoTime();
            Thread.sleep(duration * 1000L);
            Histogram window = load.latency.getIntervalHistogram();
            long seconds = System.nanoTime() - begin;
            long appended = load.appended.sum() - appended0;
            long errors = load.errors.sum() - errors0;
            long dispatched = dispatch.events.get() - dispatched0;
            long cpu = processCpuNanos() - cpu0;

            load.stop();
            dispatch.stop();
            long rows = count(store, "call_audit");
            long outbox = count(store, "dispatch_outbox");
            long live = bytesIn(dir);
            store.settle();
            long settled = bytesIn(dir);
            double elapsed = seconds / 1e9;
            System.out.printf(
                    "RESULT engine=%s appends=%d rate=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.1f errors=%d dispatched_rate=%.0f"
                            + " dispatch_failures=%d outbox_left=%d rows=%d bytes_live=%d bytes_settled=%d"
                            + " live_per_event=%.0f settled_per_event=%.0f cpu_us_per_event=%.0f%n",
                    engine(store, variant), appended, appended / elapsed,
                    window.getValueAtPercentile(50) / 1000.0, window.getValueAtPercentile(99) / 1000.0,
                    window.getMaxValue() / 1000.0, errors, dispatched / elapsed, dispatch.failures.sum(), outbox,
                    rows, live, settled, (double) live / rows, (double) settled / rows,
                    appended == 0 ? 0.0 : cpu / 1000.0 / appended);
        }
    }

    /** The same load (no window) until bench/store.sh kills the JVM; each acknowledged id goes to stdout. */
    static void crash(Variant variant, Path dir) throws Exception {
        Files.createDirectories(dir);
        Store store = variant.open(dir, true);
        store.start();
        new Dispatcher(store).start();
        new Load(store, new FileOutputStream(FileDescriptor.out)).start("crash-" + variant.name);
        Thread.sleep(Long.MAX_VALUE);
    }

    /**
     * After the kill: the store opened as the service would open it (H2: AuditLog started, which stores the rows
     * of the journal's leftover segments), then every acknowledged id looked up.
     */
    static void check(Variant variant, Path dir, Path ackedFile) throws Exception {
        // a line cut short by the kill was never a whole acknowledgement
        String text = Files.readString(ackedFile);
        List<String> acked = List.of(text.substring(0, text.lastIndexOf('\n') + 1).split("\n"));
        try (Store store = variant.open(dir, false)) {
            long before = count(store, "call_audit");
            store.start();
            Set<String> stored = new HashSet<>();
            String integrity = "n/a";
            try (Connection connection = store.dataSource().getConnection();
                    Statement query = connection.createStatement()) {
                try (ResultSet rows = query.executeQuery("SELECT delivery_id FROM call_audit")) {
                    while (rows.next()) {
                        stored.add(rows.getString(1));
                    }
                }
                if (!variant.h2()) {
                    try (ResultSet result = query.executeQuery("PRAGMA integrity_check")) {
                        integrity = result.next() ? result.getString(1) : "?";
                    }
                }
            }
            long missing = acked.stream().filter(id -> !id.isEmpty() && !stored.contains(id)).count();
            System.out.printf(
                    "CHECK acked=%d missing=%d rows=%d restored=%d integrity=%s%n",
                    acked.stream().filter(id -> !id.isEmpty()).count(), missing, stored.size(),
                    stored.size() - before, integrity);
            store.settle();
        }
    }

    /** After a failed transaction: rolled back if one is open; a failure to do so goes with the first one. */
    static void rollback(Store store, Connection connection, Exception failure) {
        try {
            store.rollback(connection);
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    static HikariDataSource pool(HikariConfig config) {
        // spring.datasource.hikari of application.yaml; Hikari's defaults otherwise, as Spring Boot leaves them
        config.setConnectionTimeout(2000);
        config.setValidationTimeout(1000);
        config.setMaximumPoolSize(10);
        return new HikariDataSource(config);
    }

    /** The database's name and version, for the results' header. */
    static String engine(Store store, Variant variant) throws SQLException {
        try (Connection connection = store.dataSource().getConnection();
                Statement query = connection.createStatement();
                ResultSet result = query.executeQuery(variant.h2() ? "SELECT H2VERSION()" : "SELECT sqlite_version()")) {
            result.next();
            return (variant.h2() ? "H2-" : "SQLite-") + result.getString(1);
        }
    }

    static long count(Store store, String table) throws SQLException {
        try (Connection connection = store.dataSource().getConnection();
                Statement query = connection.createStatement();
                ResultSet result = query.executeQuery("SELECT COUNT(*) FROM " + table)) {
            result.next();
            return result.getLong(1);
        }
    }

    /** Everything the store keeps in its folder: database file, WAL and shared memory, or journal segments. */
    static long bytesIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
