package io.callhook.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.function.Supplier;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import org.springframework.test.context.DynamicPropertyRegistry;

/** A real SMTP server (GreenMail) on a loopback port that stays the same across a stop and a start. */
public final class SmtpServer {

    private SmtpServer() {}

    public static GreenMail start(int port) {
        GreenMail server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        server.start();
        return server;
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Turns callhook's email on, sending through the test server on {@code port} to {@code to}. */
    public static void configure(DynamicPropertyRegistry properties, Supplier<Object> port, String to) {
        properties.add("callhook.mail.host", () -> "127.0.0.1");
        properties.add("callhook.mail.port", port);
        properties.add("callhook.mail.from", () -> "callhook@example.com");
        properties.add("callhook.mail.to", () -> to);
    }
}
