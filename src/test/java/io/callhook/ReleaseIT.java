package io.callhook;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import io.callhook.testing.Http;
import io.callhook.testing.Samples;
import io.callhook.testing.SmtpServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The release archive as an operator installs it: unpacked in a scratch folder, started through its own
 * bin/callhook from there with nothing else (no source tree, no routes folder but its own), it takes the sample
 * and audits it, and says its version (bin/callhook --version, the log's first line, /actuator/info, the
 * console's footer).
 */
class ReleaseIT {

    static final String TOKEN = "release-test-admin-token-0123456789";

    @TempDir
    Path scratch;

    @Test
    void theUnpackedReleaseRunsOnItsOwnAndAuditsTheSample() throws Exception {
        String version = Version.current();
        Path tarball = Path.of("target", "callhook-" + version + ".tar.gz").toAbsolutePath();
        Path zip = Path.of("target", "callhook-" + version + ".zip");
        assertThat(tarball).as("the release archive of %s", version).exists();
        assertThat(zip).exists();

        run(List.of("tar", "-xzf", tarball.toString(), "-C", scratch.toString()), scratch, Duration.ofSeconds(60));
        Path home = scratch.resolve("callhook-" + version);
        assertThat(home.resolve("callhook-" + version + ".jar")).isRegularFile();
        assertThat(home.resolve("bin/callhook")).isExecutable();
        assertThat(home.resolve("routes/call-routing.camel.yaml")).isRegularFile();
        assertThat(home.resolve("routes/templates/slack-successful.json.ftl")).isRegularFile();
        assertThat(home.resolve("config/application.yaml")).isRegularFile();
        assertThat(Files.readString(home.resolve("callhook.service")))
                .contains("User=callhook", "EnvironmentFile=", "Restart=on-failure", "TimeoutStopSec=");
        assertThat(home.resolve("README.md")).isRegularFile();
        assertThat(home.resolve("CHANGELOG.md")).content().contains("## [" + version + "]");
        assertThat(home.resolve("docs/install-and-run.md")).isRegularFile();
        assertThat(home.resolve("lib")).isEmptyDirectory();
        // every setting commented out: the shipped file changes nothing
        assertThat(Files.readAllLines(home.resolve("config/application.yaml")))
                .allMatch(line -> line.isEmpty() || line.startsWith("#"));
        try (ZipFile entries = new ZipFile(zip.toFile())) {
            List<String> names = entries.stream().map(e -> e.getName()).toList();
            String base = "callhook-" + version + "/";
            assertThat(names)
                    .contains(
                            base + "callhook-" + version + ".jar",
                            base + "bin/callhook",
                            base + "routes/call-routing.camel.yaml",
                            base + "config/application.yaml",
                            base + "callhook.service",
                            base + "lib/");
        }

        Run printed = run(List.of(home.resolve("bin/callhook").toString(), "--version"), home, Duration.ofMinutes(3));
        assertThat(printed.exit())
                .as("bin/callhook --version: %s", printed.output())
                .isZero();
        assertThat(printed.output().lines().toList()).last().isEqualTo("callhook " + version);

        int port = SmtpServer.freePort();
        int webhookPort = SmtpServer.freePort();
        Path log = scratch.resolve("callhook.log");
        ProcessBuilder builder = new ProcessBuilder(
                        home.resolve("bin/callhook").toString(),
                        "--server.port=" + port,
                        "--callhook.webhook.port=" + webhookPort,
                        "--server.address=127.0.0.1")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        environment(builder);
        builder.environment().put("CALLHOOK_ADMIN_TOKEN", TOKEN);
        Process callhook = builder.start();
        try {
            Http http = new Http(webhookPort, port);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        assertThat(callhook.isAlive())
                                .as("bin/callhook running: %s", Files.readString(log))
                                .isTrue();
                        try {
                            return http.get("/actuator/health/readiness").statusCode() == 200;
                        } catch (RuntimeException notYet) {
                            return false;
                        }
                    });
            List<String> lines = Files.readAllLines(log);
            assertThat(lines).as("the log").isNotEmpty();
            assertThat(lines.get(0)).as("the log's first line").contains("v" + version);
            assertThat(Files.readString(log))
                    .as("its own routes folder, not the jar's copy")
                    .doesNotContain("using the routes packaged in the jar");

            Samples call = Samples.of("call-ended");
            HttpResponse<String> answer = http.postJson("/webhook", call.json());
            assertThat(answer.statusCode()).isEqualTo(200);
            Map<String, String> admin = Map.of("Authorization", "Bearer " + TOKEN);
            HttpResponse<String> audited = http.get("/api/events/" + call.id(), admin);
            assertThat(audited.statusCode())
                    .as("the event in the audit: %s", audited.body())
                    .isEqualTo(200);
            assertThat(audited.body()).contains("\"deliveryId\":\"" + call.id() + "\"", "clx-call-001");
            HttpResponse<String> info = http.get("/actuator/info", admin);
            assertThat(info.statusCode()).isEqualTo(200);
            assertThat(info.body()).contains("\"version\":\"" + version + "\"");
            assertThat(Files.isDirectory(home.resolve("data")))
                    .as("its H2 database under the release")
                    .isTrue();
        } finally {
            callhook.destroy();
            if (!callhook.waitFor(60, TimeUnit.SECONDS)) {
                callhook.destroyForcibly().waitFor();
            }
            Path kept = Path.of("target", "jar-logs");
            Files.createDirectories(kept);
            Files.copy(log, kept.resolve("release.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    record Run(int exit, String output) {}

    static Run run(List<String> command, Path dir, Duration within) throws IOException, InterruptedException {
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        environment(builder);
        Process process = builder.start();
        byte[] output;
        try (var in = process.getInputStream()) {
            output = in.readAllBytes();
        }
        if (!process.waitFor(within.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not end within " + within);
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /** The JVM the tests run on first on the PATH: bin/callhook runs java from it, as a server's would. */
    static void environment(ProcessBuilder builder) {
        String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
        builder.environment().put("PATH", javaBin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().remove("JAVA_OPTS");
        List<String> callhookSettings = new ArrayList<>();
        for (String name : builder.environment().keySet()) {
            if (name.startsWith("CALLHOOK_") || name.startsWith("SPRING_")) {
                callhookSettings.add(name);
            }
        }
        callhookSettings.forEach(builder.environment()::remove);
    }
}
