package io.callhook.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A copy of the project's routes folder for a test to edit, as an operator edits theirs. */
public final class RoutesFolder {

    private RoutesFolder() {}

    /** Copies ./routes (templates included) to {@code target}, emptied first. */
    public static Path copyTo(Path target) {
        try {
            if (Files.exists(target)) {
                try (Stream<Path> old = Files.walk(target)) {
                    for (Path path : old.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(path);
                    }
                }
            }
            Path routes = Path.of("routes");
            try (Stream<Path> files = Files.walk(routes)) {
                for (Path source : files.toList()) {
                    Path copy = target.resolve(routes.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(source, copy);
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the first {@code from} in the file with {@code to}; the text must be there. */
    public static void edit(Path file, String from, String to) {
        try {
            String text = Files.readString(file);
            assertThat(text).as(file.toString()).contains(from);
            int at = text.indexOf(from);
            Files.writeString(file, text.substring(0, at) + to + text.substring(at + from.length()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An operator's file that takes the id of the engine's intake route (which validate refuses). */
    public static final String REUSING_AN_ENGINE_ROUTE_ID = """
            # a timer → a log line
            - route:
                id: webhook-intake
                from:
                  uri: timer:mine
                  steps:
                    - log:
                        message: mine
            """;
}
