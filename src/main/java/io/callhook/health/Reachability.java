package io.callhook.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.springframework.boot.actuate.health.Health;

/**
 * Whether a server a channel depends on accepts a TCP connection, remembered for a few seconds so a busy
 * health endpoint does not become a stream of connections to Slack or the mail server.
 */
final class Reachability {

    static final Duration TIMEOUT = Duration.ofSeconds(2);
    static final Duration REMEMBER = Duration.ofSeconds(10);

    private final String host;
    private final int port;
    private final Clock clock;
    private Health last;
    private Instant checkedAt = Instant.MIN;

    Reachability(String host, int port, Clock clock) {
        this.host = host;
        this.port = port;
        this.clock = clock;
    }

    synchronized Health health() {
        Instant now = clock.instant();
        if (last == null || now.isAfter(checkedAt.plus(REMEMBER))) {
            last = connect();
            checkedAt = now;
        }
        return last;
    }

    private Health connect() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) TIMEOUT.toMillis());
            return Health.up().withDetail("server", host + ":" + port).build();
        } catch (IOException e) {
            return Health.down()
                    .withDetail("server", host + ":" + port)
                    .withDetail("error", e.toString())
                    .build();
        }
    }
}
