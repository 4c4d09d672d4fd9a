package io.callhook.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * A real HTTP client against the application on loopback. The service listens twice: webhooks (and any
 * other HTTP endpoint of the routes) on the webhook port, health, metrics and the admin API on
 * {@code server.port}. Requests go where a load balancer in front would send them: {@code /actuator} and
 * {@code /api} to the second, everything else to the first.
 */
public final class Http {

    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String webhook;
    private final String server;

    public Http(int webhookPort, int serverPort) {
        this.webhook = "http://127.0.0.1:" + webhookPort;
        this.server = "http://127.0.0.1:" + serverPort;
    }

    private URI uri(String path) {
        boolean spring = path.startsWith("/actuator") || path.startsWith("/api/");
        return URI.create((spring ? server : webhook) + path);
    }

    /** Every request to one listener, whatever its path. */
    public static Http only(int port) {
        return new Http(port, port);
    }

    public HttpResponse<String> postJson(String path, String body) {
        return post(path, "application/json", body.getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of());
    }

    public HttpResponse<String> post(String path, String contentType, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        return send(request.build());
    }

    public HttpResponse<String> get(String path) {
        return get(path, Map.of());
    }

    public HttpResponse<String> get(String path, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(30))
                .GET();
        headers.forEach(request::header);
        return send(request.build());
    }

    /** A raw answer: status code and everything after the headers. */
    public record Raw(int status, String body) {}

    /**
     * The request exactly as written, on a socket of its own: for request targets that a client library would
     * normalize or refuse ({@code /%61pi}, {@code /api;x}, {@code //api}, {@code /./}, {@code /../}).
     */
    public static Raw raw(int port, String method, String target, Map<String, String> headers) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            StringBuilder request = new StringBuilder(method + " " + target + " HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:")
                    .append(port)
                    .append("\r\nConnection: close\r\n");
            headers.forEach((name, value) ->
                    request.append(name).append(": ").append(value).append("\r\n"));
            if (method.equals("POST")) {
                request.append("Content-Length: 0\r\n");
            }
            request.append("\r\n");
            socket.getOutputStream().write(request.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int status = Integer.parseInt(answer.substring(9, 12));
            int body = answer.indexOf("\r\n\r\n");
            return new Raw(status, body < 0 ? "" : answer.substring(body + 4));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
