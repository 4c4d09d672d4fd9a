package io.callhook;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.callhook.intake.WebhookServer;
import io.callhook.testing.Http;
import io.callhook.testing.Samples;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The webhook URL is public: clients that open connections and send nothing, or stall in the middle of a
 * request, cannot keep them for as long as they like, nor keep the platform's deliveries from being
 * answered meanwhile. Idle timeout 3 s here (60 s by default), request timeout 1 s.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:idle-clients;DB_CLOSE_DELAY=-1",
            "callhook.webhook.request-timeout=1s",
            "callhook.webhook.idle-timeout=3s"
        })
class IdleClientsIT {

    static final int IDLE = 2_000;
    static final int STALLED = 500;

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Test
    void thousandsOfIdleAndStalledConnectionsAreClosedAndOthersAnsweredMeanwhile() throws Exception {
        List<Socket> idle = new ArrayList<>();
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < IDLE; i++) {
                idle.add(connect());
            }
            for (int i = 0; i < STALLED; i++) {
                Socket socket = connect();
                socket.getOutputStream()
                        .write(("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                        + "Content-Length: 1000\r\n\r\n{\"id\": \"evt-stalled")
                                .getBytes(StandardCharsets.US_ASCII));
                stalled.add(socket);
            }

            Http http = new Http(webhook.getPort(), port);
            for (int i = 0; i < 20; i++) {
                long asked = System.nanoTime();
                assertThat(http.postJson("/webhook", Samples.of("call-ended").json())
                                .statusCode())
                        .isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - asked))
                        .as("a delivery among %d idle and %d stalled connections", IDLE, STALLED)
                        .isLessThan(Duration.ofSeconds(1));
            }

            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            long closedIdle = idle.stream()
                    .filter(socket -> closedByTheServer(socket, deadline))
                    .count();
            long closedStalled = stalled.stream()
                    .filter(socket -> closedByTheServer(socket, deadline))
                    .count();
            assertThat(closedIdle).as("idle connections closed").isEqualTo(IDLE);
            assertThat(closedStalled).as("stalled connections closed").isEqualTo(STALLED);
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    Socket connect() throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), webhook.getPort());
    }

    /** Reads until the server closes the connection (what it answers first does not matter), by the deadline. */
    static boolean closedByTheServer(Socket socket, long deadline) {
        try {
            socket.setSoTimeout((int)
                    Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toMillis()));
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[1024];
            while (in.read(buffer) >= 0) {
                // an answer (a 503 for the stalled request) before the close
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
