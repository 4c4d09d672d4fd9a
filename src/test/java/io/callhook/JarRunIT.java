package io.callhook;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.callhook.testing.JarProcess;
import io.callhook.testing.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built jar with no configuration at all, started from a directory that has no routes folder: it uses
 * the routes packaged inside, says which channels are off, and keeps what it acknowledged across a restart.
 */
class JarRunIT {

    @TempDir
    Path workDir;

    @Test
    void unconfiguredJarAcceptsTheSampleAndRemembersItAcrossARestart() {
        Samples call = Samples.of("call-ended");

        try (JarProcess callhook = new JarProcess(workDir, Map.of()).start()) {
            HttpResponse<String> first = callhook.http().postJson("/webhook", call.json());

            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("{\"received\":true}");
            assertThat(callhook.log())
                    .contains("using the routes packaged in the jar")
                    .contains("Slack is off: CALLHOOK_SLACK_WEBHOOK_URL is not set")
                    .contains("Email is off: CALLHOOK_MAIL_HOST is not set");
            callhook.stop();
        }
        assertThat(Files.isDirectory(workDir.resolve("data")))
                .as("H2 file database under ./data")
                .isTrue();

        try (JarProcess restarted = new JarProcess(workDir, Map.of()).start()) {
            HttpResponse<String> repeat = restarted.http().postJson("/webhook", call.json());

            assertThat(repeat.statusCode()).isEqualTo(200);
            assertThat(repeat.body()).isEqualTo("{\"received\":true,\"duplicate\":true}");
        }
    }
}
