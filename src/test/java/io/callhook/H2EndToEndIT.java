package io.callhook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The end-to-end scenarios on the embedded default: an H2 file database. */
class H2EndToEndIT extends EndToEnd {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) throws IOException {
        Path dir = Files.createTempDirectory("callhook-h2");
        properties.add("spring.datasource.url", () -> "jdbc:h2:file:" + dir.resolve("callhook"));
    }
}
