package io.callhook;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.callhook.testing.JarProcess;
import io.callhook.testing.RoutesFolder;
import io.callhook.testing.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** What an operator does with the built jar besides running it: validate a folder, drop in a component. */
class OperatorToolsIT {

    @TempDir
    Path workDir;

    @Test
    void validateAcceptsTheShippedRoutesAndExitsZero() throws Exception {
        Result result = command(
                List.of("validate", Path.of("routes").toAbsolutePath().toString()),
                Map.of(),
                List.of("-jar", JarProcess.jar().toString()));

        assertThat(result.exit()).isZero();
        assertThat(result.output()).contains("OK: ").contains("route file(s)").contains("template(s) checked");
    }

    @Test
    void validateNamesEachBrokenFileWithLineAndReasonAndExitsNonZero() throws Exception {
        Path routes = RoutesFolder.copyTo(workDir.resolve("routes"));
        Path teams = routes.resolve("teams.camel.yaml");
        Files.writeString(teams, Files.readString(teams).replace("- name: pace", "- name: paces"));
        Path routing = routes.resolve("call-routing.camel.yaml");
        Files.writeString(
                routing,
                Files.readString(routing)
                        .replace("${variable.outcome} == 'unsuccessful'", "${variable.outcome == 'unsuccessful'"));
        Path template = routes.resolve("templates/email-subject.txt.ftl");
        Files.writeString(template, Files.readString(template).replace("${body.agentName}", "${body.agentName"));

        Result result = validate(routes);

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.output())
                .containsPattern("teams.camel.yaml:\\d+: unknown parameter 'paces' of route template 'channel'")
                .containsPattern("call-routing.camel.yaml:\\d+: simple expression does not parse")
                .containsPattern("email-subject.txt.ftl:\\d+: does not render")
                .contains("INVALID: ")
                .contains("3 problem(s)");
    }

    @Test
    void aComponentJarDroppedIntoLibIsUsableByARouteWithoutRebuilding() throws IOException {
        Path routes = RoutesFolder.copyTo(workDir.resolve("routes"));
        Files.writeString(routes.resolve("encode.camel.yaml"), """
                # POST /demo/encode → the body in base64 (camel-base64 is not in the jar: it comes from lib/)
                - route:
                    id: encode-demo
                    from:
                      uri: platform-http:/demo/encode
                      parameters:
                        httpMethodRestrict: POST
                      steps:
                        - marshal:
                            base64: {}
                """);
        Path lib = Files.createDirectories(workDir.resolve("lib"));
        try (Stream<Path> jars = Files.list(Path.of("target", "drop-in"))) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, lib.resolve(jar.getFileName()));
            }
        }

        // java -jar: the jar's own launcher puts ./lib on the classpath (loader.path), as the README says
        try (JarProcess callhook = new JarProcess(workDir, Map.of()).asJavaJar().start()) {
            HttpResponse<String> encoded = callhook.http()
                    .post("/demo/encode", "text/plain", "hello callhook".getBytes(StandardCharsets.UTF_8), Map.of());

            assertThat(encoded.statusCode()).isEqualTo(200);
            assertThat(encoded.body().trim()).isEqualTo("aGVsbG8gY2FsbGhvb2s=");
        }
    }

    /**
     * An operator runs validate on the production host, in the service's folder with its configuration: both
     * ports are taken and the service holds its H2 file (H2 locks it: a second process opening it would
     * fail). validate passes without binding a port or opening the service's database or journal, and the
     * service goes on undisturbed.
     */
    @Test
    void validateBesideTheRunningServiceLeavesItsPortsDatabaseAndJournalAlone() throws Exception {
        RoutesFolder.copyTo(workDir.resolve("routes"));
        try (JarProcess callhook = new JarProcess(workDir, Map.of()).start()) {
            assertThat(acceptsACall(callhook)).isEqualTo(200);
            List<String> dataBefore = files(workDir.resolve("data"));

            Result result = validate(
                    workDir.resolve("routes"),
                    Map.of(
                            "CALLHOOK_WEBHOOK_PORT", Integer.toString(callhook.webhookPort()),
                            "SERVER_PORT", Integer.toString(callhook.port())));

            assertThat(result.exit()).as(result.output()).isZero();
            assertThat(result.output()).contains("OK: ");
            assertThat(files(workDir.resolve("data")))
                    .as("nothing of validate's own in the service's data folder")
                    .isSubsetOf(dataBefore);
            assertThat(acceptsACall(callhook)).isEqualTo(200);
            assertThat(callhook.log()).doesNotContain("ERROR");
        }
    }

    /**
     * The operator's sandbox: what the shipped routes do with a successful call when Slack and the CRM are
     * configured. The branch, each destination's fate and each message as it would be sent, secrets masked;
     * nothing sent, nothing stored.
     */
    @Test
    void previewShowsTheBranchTheChannelsAndEachMessageWithSecretsMasked() throws Exception {
        Path payload = workDir.resolve("call.json");

        Samples call = Samples.of("call-ended").id("evt-preview-1");
        Files.writeString(payload, call.json());
        Result result = command(
                List.of("preview", Path.of("routes").toAbsolutePath().toString(), payload.toString()),
                Map.of(
                        "CALLHOOK_SLACK_WEBHOOK_URL", "http://127.0.0.1:9/services/T000/B000/slack-secret-path",
                        "CRM_URL", "http://127.0.0.1:9/crm/calls",
                        "CRM_TOKEN", "crm-bearer-secret"));

        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output())
                .contains("Event call.ended, delivery evt-preview-1, call clx-call-001, outcome successful")
                .containsPattern("Branch: call-successful \\(call-routing.camel.yaml:\\d+\\)")
                .contains("Channels: slack,email,forward")
                .containsPattern("slack +would send")
                .containsPattern("email +SKIPPED: email is off: callhook.mail.host \\(CALLHOOK_MAIL_HOST\\) is not set")
                .containsPattern("slack-alerts +SKIPPED: not chosen by the routes")
                .containsPattern("crm +SKIPPED: not chosen by the routes")
                .containsPattern("teams +not recorded: teams is off: TEAMS_WEBHOOK_URL is not set")
                .contains("── slack\n")
                .contains("POST http://127.0.0.1:9/**** (url masked)")
                .contains("Idempotency-Key: evt-preview-1")
                .contains("\"blocks\"")
                .contains("John Doe")
                .contains("── email (off: shown as it would be sent)")
                .contains("Subject: ")
                .doesNotContain("slack-secret-path")
                .doesNotContain("crm-bearer-secret");
        assertThat(workDir.resolve("data")).as("preview stores nothing").doesNotExist();
    }

    /** A header given by a placeholder (an API key) is masked in the preview like the url and the token. */
    @Test
    void previewMasksAHeaderSecretHoweverShort() throws Exception {
        Path routes = RoutesFolder.copyTo(workDir.resolve("routes"));
        Path crm = routes.resolve("crm.camel.yaml");
        Files.writeString(
                crm,
                Files.readString(crm)
                        .replace("value: X-Source=callhook", "value: X-Source=callhook,X-Api-Key={{env:CRM_KEY}}"));
        Path routing = routes.resolve("call-routing.camel.yaml");
        Files.writeString(routing, Files.readString(routing).replace("constant: slack,email,forward", "constant: crm"));
        Path payload = workDir.resolve("call.json");
        Files.writeString(payload, Samples.of("call-ended").json());

        Result result = command(
                List.of("preview", routes.toString(), payload.toString()),
                Map.of(
                        "CRM_URL",
                        "http://127.0.0.1:9/crm/calls",
                        "CRM_TOKEN",
                        "crm-bearer-secret",
                        "CRM_KEY",
                        "k3y-5"));

        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output())
                .contains("── crm\n")
                .contains("X-Api-Key: ****")
                .contains("X-Source: callhook")
                .doesNotContain("k3y-5")
                .doesNotContain("crm-bearer-secret");
    }

    @Test
    void previewOfAFolderWithAMistakeOrOfABrokenPayloadSaysWhatAndExitsOne() throws Exception {
        Path routes = RoutesFolder.copyTo(workDir.resolve("routes"));
        Path routing = routes.resolve("call-routing.camel.yaml");
        Files.writeString(routing, Files.readString(routing).replace("slack-alerts,email", "slack-alert,email"));
        Path payload = workDir.resolve("call.json");
        Files.writeString(payload, Samples.of("call-ended-unsuccessful").json());
        Path broken = workDir.resolve("broken.json");
        Files.writeString(broken, "{\"event\": \"call.ended\", ");

        Path invalid = workDir.resolve("invalid.json");
        Files.writeString(invalid, "{\"id\":\"x\",\"event\":\"call.ended\",\"data\":{\"duration\":\"long\"}}");

        Result mistake = command(List.of("preview", routes.toString(), payload.toString()), Map.of());
        Result notJson = command(List.of("preview", routes.toString(), broken.toString()), Map.of());
        Result notAnEvent = command(
                List.of("preview", RoutesFolder.copyTo(workDir.resolve("good")).toString(), invalid.toString()),
                Map.of());

        assertThat(mistake.exit()).as(mistake.output()).isEqualTo(1);
        assertThat(mistake.output())
                .containsPattern(
                        "call-routing.camel.yaml:\\d+: channels names 'slack-alert', which no destination declares");
        assertThat(notJson.exit()).as(notJson.output()).isEqualTo(1);
        // what the webhook itself would answer the platform, so the operator sees the same refusal
        assertThat(notJson.output())
                .contains("broken.json: the webhook would refuse it with 400")
                .contains("malformed JSON");
    }

    static int acceptsACall(JarProcess callhook) {
        return callhook.http()
                .postJson("/webhook", Samples.of("call-ended").json())
                .statusCode();
    }

    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    record Result(int exit, String output) {}

    Result validate(Path routes) throws Exception {
        return validate(routes, Map.of());
    }

    Result validate(Path routes, Map<String, String> environment) throws Exception {
        return command(List.of("validate", routes.toString()), environment);
    }

    /**
     * The jar run with these arguments in the working directory, launched as bin/callhook launches it (see
     * {@link JarProcess#launch}); the shipped routes' check runs as {@code java -jar}, as the README shows it.
     */
    Result command(List<String> arguments, Map<String, String> environment) throws Exception {
        return command(arguments, environment, JarProcess.launch());
    }

    Result command(List<String> arguments, Map<String, String> environment, List<String> launch) throws Exception {
        Path log = workDir.resolve(arguments.get(0) + ".log");
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(launch);
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), Files.readString(log));
    }
}
