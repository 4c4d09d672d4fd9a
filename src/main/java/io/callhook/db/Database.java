package io.callhook.db;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.stereotype.Component;

/**
 * Which database callhook runs on, asked once, and the one place that writes H2 through. H2 keeps commits in
 * memory and writes its file in the background, about twice a second; what must survive a kill -9 before
 * the service goes on is written through here ({@code CHECKPOINT}). PostgreSQL's commit is durable by itself.
 */
@Component
public class Database {

    private final DataSource dataSource;
    private volatile String product;
    private volatile Optional<Path> h2File;

    public Database(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public boolean postgres() {
        return "PostgreSQL".equals(product());
    }

    /** The H2 file database's path without its extension; empty on PostgreSQL and for in-memory H2. */
    public Optional<Path> h2File() {
        if (h2File == null) {
            String path = null;
            if ("H2".equals(product())) {
                try (Connection connection = dataSource.getConnection();
                        Statement query = connection.createStatement();
                        ResultSet result = query.executeQuery("SELECT DATABASE_PATH()")) {
                    path = result.next() ? result.getString(1) : null;
                } catch (SQLException e) {
                    throw new DataAccessResourceFailureException("Could not ask H2 for its file", e);
                }
            }
            h2File = Optional.ofNullable(path).map(Path::of);
        }
        return h2File;
    }

    /**
     * On an H2 file database, writes everything committed so far to the file, on a connection of its own;
     * elsewhere does nothing and borrows no connection.
     */
    public void writeThrough() throws SQLException {
        writeThrough(false);
    }

    /** The same; with {@code sync}, also forced to the device (survives a power cut, not only a kill). */
    public void writeThrough(boolean sync) throws SQLException {
        if (h2File().isPresent()) {
            try (Connection connection = dataSource.getConnection()) {
                writeThrough(connection, sync);
            }
        }
    }

    /** On an H2 file database, writes everything committed so far to the file; nothing elsewhere. */
    public void writeThrough(Connection connection, boolean sync) throws SQLException {
        if (h2File().isPresent()) {
            try (Statement checkpoint = connection.createStatement()) {
                checkpoint.execute(sync ? "CHECKPOINT SYNC" : "CHECKPOINT");
            }
        }
    }

    private String product() {
        if (product == null) {
            try (Connection connection = dataSource.getConnection()) {
                product = connection.getMetaData().getDatabaseProductName();
            } catch (SQLException e) {
                throw new DataAccessResourceFailureException("Could not ask which database this is", e);
            }
        }
        return product;
    }
}
