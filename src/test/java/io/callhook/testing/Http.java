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
