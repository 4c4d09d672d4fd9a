package io.callhook.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.awaitility.Awaitility;

/**
 * The built jar ({@code target/callhook-*.jar}) run as its own JVM, as operations run it: in a working
 * directory of the test's choosing, configured by environment, on free loopback ports (one for webhooks, one
 * for health, metrics and the admin API).
 */
public final class JarProcess implements AutoCloseable {

    private final Path workDir;
    private final Map<String, String> environment;
    private final int port;
    private final int webhookPort;
    private final Path log;
    // The quick JIT only: a test's jar answers a few hundred requests, and C2 compiling beside it would
    // lengthen each of the suite's forty starts on two cores. The bench runs production's settings.
    private List<String> jvm = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");
    private boolean javaJar;
    private Process process;

    public JarProcess(Path workDir, Map<String, String> environment) {
        this(workDir, environment, freePort(), freePort());
    }

    private JarProcess(Path workDir, Map<String, String> environment, int port, int webhookPort) {
        this.workDir = workDir;
        this.environment = environment;
        this.port = port;
        this.webhookPort = webhookPort;
        this.log = workDir.resolve("callhook.log");
    }

    /** Launched as {@code java -jar} (the jar's own launcher and loader.path) rather than as bin/callhook does. */
    public JarProcess asJavaJar() {
        this.javaJar = true;
        return this;
    }

    /** JVM options instead of the default ones above, e.g. the launch script's heap. Before start. */
    public JarProcess jvm(String... options) {
        this.jvm = List.of(options);
        return this;
    }

    /**
     * The JVM settings bin/callhook runs the service with (its {@code JAVA_OPTS} default, read from the script so
     * a test cannot drift from it): its 160 MB heap, and the exit on {@code OutOfMemoryError}. Before start.
     */
    public JarProcess asTheScriptRunsIt() {
        try {
            Matcher options = Pattern.compile(": \"\\$\\{JAVA_OPTS:=(.*)}\"")
                    .matcher(Files.readString(Path.of("bin", "callhook")));
            if (!options.find()) {
                throw new IllegalStateException("no JAVA_OPTS default in bin/callhook");
            }
            return jvm(options.group(1).trim().split("\\s+"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The process's resident memory now, in bytes (VmRSS), 0 once it has ended. */
    public long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
            return 0;
        } catch (IOException ended) {
            return 0;
        }
    }

    /**
     * The same instance started again (a restart after a crash): same working directory, configuration and
     * ports, so the same instance id (host and webhook port). Not started yet.
     */
    public JarProcess again() {
        JarProcess again = new JarProcess(workDir, environment, port, webhookPort).jvm(jvm.toArray(String[]::new));
        again.javaJar = javaJar;
        return again;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public static Path jar() {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().matches("callhook-.*\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no target/callhook-*.jar: run mvn package"))
                    .toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> launch;

    /**
     * How the jar is launched: as bin/callhook launches it in production (the jar extracted, with the
     * class-data-sharing archive the script records once per build, and ./lib on the classpath as the jar's
     * loader.path puts it), which starts in about half the time of {@code java -jar}: the suite starts the
     * jar some forty times. {@code java -jar} when the script could not prepare the archive.
     */
    public static synchronized List<String> launch() {
        if (launch != null) {
            return launch;
        }
        Path jar = jar();
        Path app = jar.getParent().resolve("app");
        Path main = app.resolve(jar.getFileName());
        Path archive = app.resolve("callhook.jsa");
        try {
            if (!Files.exists(archive)
                    || Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) < 0) {
                Path kept = Path.of("target", "jar-logs");
                Files.createDirectories(kept);
                Process prepare = new ProcessBuilder("bash", "bin/callhook", "validate", "routes")
                        .redirectErrorStream(true)
                        .redirectOutput(kept.resolve("launch-prepare.log").toFile())
                        .start();
                if (!prepare.waitFor(180, TimeUnit.SECONDS)) {
                    prepare.destroyForcibly();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (Files.exists(archive) && Files.exists(main)) {
            launch = List.of(
                    "-XX:SharedArchiveFile=" + archive,
                    "-Xlog:cds=off",
                    "-Xlog:cds+dynamic=off",
                    "-cp",
                    main + File.pathSeparator + "lib/*",
                    "io.callhook.CallhookApplication");
        } else {
            launch = List.of("-jar", jar.toString());
        }
        return launch;
    }

    /** Starts the jar and waits until readiness is UP. */
    public JarProcess start() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
        // for a diagnosing run, e.g. CALLHOOK_TEST_JVM_OPTIONS=-XX:NativeMemoryTracking=summary
        String extra = System.getenv("CALLHOOK_TEST_JVM_OPTIONS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(javaJar ? List.of("-jar", jar().toString()) : launch());
        command.addAll(List.of(
                "--server.port=" + port, "--callhook.webhook.port=" + webhookPort, "--server.address=127.0.0.1"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Http http = http();
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("callhook exited with " + process.exitValue() + ":\n" + log());
                    }
                    try {
                        HttpResponse<String> ready = http.get("/actuator/health/readiness");
                        return ready.statusCode() == 200 && ready.body().contains("UP");
                    } catch (UncheckedIOException notListening) {
                        return false;
                    }
                });
        return this;
    }

    public Http http() {
        return new Http(webhookPort, port);
    }

    public int port() {
        return port;
    }

    public int webhookPort() {
        return webhookPort;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM, and wait for a graceful exit. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            waitFor();
        }
    }

    /** SIGKILL: no shutdown hook, no flush, as a crash. */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitFor();
        }
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the process and keeps its log under target/jar-logs for whoever reads a failed build. */
    @Override
    public void close() {
        kill();
        try {
            Path kept = Path.of("target", "jar-logs");
            Files.createDirectories(kept);
            if (Files.exists(log)) {
                Files.copy(
                        log,
                        kept.resolve(workDir.getFileName() + "-" + port + ".log"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void waitFor() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
