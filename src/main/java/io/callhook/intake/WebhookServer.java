package io.callhook.intake;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.callhook.metrics.IntakeTimer;
import io.callhook.web.SecurityHeaders;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The webhook listener: the routes' HTTP endpoints ({@code platform-http:/webhook}) served by Vert.x on
 * {@code callhook.webhook.port}. Spring MVC on Tomcat keeps health, metrics and the admin API on
 * {@code server.port}.
 *
 * <p>Why a second listener: on the 2-core benchmark host, the same intake route answered about 5,500
 * webhooks/s behind Tomcat and Spring MVC's async dispatch (every request crossed the filter chain twice,
 * a third of the CPU samples) and about 8,000/s on Vert.x (README, Performance).
 *
 * <p>Each request is read on an event loop, bounded by {@code max-body-size} (413 before the route runs), and
 * processed on one of {@code threads} worker threads, where it waits for its group commit. Every answer of
 * this listener is JSON and carries the same security headers as the rest of the service.
 *
 * <p>A public endpoint has to bound what a client can hold: a request not answered within
 * {@code request-timeout} gets 503, and a connection that carries nothing for {@code idle-timeout} is closed
 * (one that never sends a request, or stalls in the middle of one). platform-http's own server creates its
 * HTTP server with default options and no way to set them, so this listener creates its server itself,
 * serving the same routes' router; the rest of platform-http (the engine, the routes' router, the body
 * handler) is used as it is.
 */
public class WebhookServer extends VertxPlatformHttpServer {

    private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);

    private final IntakeProperties properties;
    private final IntakeTimer timer;
    private HttpServer server;

    WebhookServer(IntakeProperties properties, IntakeTimer timer) {
        super(configuration(properties));
        this.properties = properties;
        this.timer = timer;
    }

    private static VertxPlatformHttpServerConfiguration configuration(IntakeProperties properties) {
        VertxPlatformHttpServerConfiguration configuration = new VertxPlatformHttpServerConfiguration();
        configuration.setBindHost(properties.address());
        configuration.setBindPort(properties.port());
        configuration.setMaxBodySize((long) properties.maxBodyBytes());
        return configuration;
    }

    /** Never one found in the registry (another component's): this listener's threads are sized here. */
    @Override
    protected Vertx lookupVertx() {
        return null;
    }

    @Override
    protected Vertx createVertxInstance() {
        return Vertx.vertx(new VertxOptions()
                // reading and answering is cheap: one event loop per core (Vert.x's default is two)
                .setEventLoopPoolSize(Runtime.getRuntime().availableProcessors())
                .setWorkerPoolSize(properties.threads())
                // serves no files: no cache directory in the working directory or /tmp
                .setFileSystemOptions(
                        new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false)));
    }

    @Override
    protected void initializeServer() {
        super.initializeServer();
        Router routes = VertxPlatformHttpRouter.lookup(
                getCamelContext(), VertxPlatformHttpRouter.getRouterNameFromPort(getConfigurationPort()));
        // ahead of every route's own handlers, so the 404s and 413s carry them too
        routes.route().order(-2).handler(WebhookServer::securityHeaders);
        routes.route("/webhook")
                .order(-1)
                .handler(timer)
                .handler(new BodyBudget(
                        properties.memoryBytes(),
                        properties.maxBodyBytes(),
                        new LogBudget(log, "deliveries answered 503 for want of memory", 5, Duration.ofMinutes(1))));
    }

    @Override
    protected void startServer() throws Exception {
        HttpServerOptions options = new HttpServerOptions()
                .setIdleTimeout((int) properties.idleTimeout().toMillis())
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        // what platform-http's server mounts at "/": the routes' router, with its body handler per route
        Router top = Router.router(getVertx());
        top.route("/*")
                .subRouter(VertxPlatformHttpRouter.lookup(
                        getCamelContext(), VertxPlatformHttpRouter.getRouterNameFromPort(getConfigurationPort())));
        // The answers Vert.x gives itself (no route, wrong method, body too large, a failure) are decided by
        // the top router: they are JSON like every other answer.
        top.errorHandler(404, context -> {
            // a stop removes the routes' handlers before it closes the listener: a webhook arriving then is
            // refused with an answer the platform retries, not a 404 it would take for a wrong address
            if (getCamelContext().isStopping() || getCamelContext().isStopped()) {
                answer(context, 503, "shutting down, retry later");
            } else {
                answer(context, 404, "not found");
            }
        });
        top.errorHandler(405, context -> answer(context, 405, "method not allowed"));
        top.errorHandler(413, context -> {
            // the rest of an oversized body is not read: the connection cannot be reused
            context.response().putHeader("Connection", "close");
            answer(context, 413, "request body exceeds " + properties.maxBodyBytes() + " bytes");
        });
        top.errorHandler(500, context -> {
            if (context.failure() != null) {
                log.error(
                        "Unexpected failure answering {} {}",
                        context.request().method(),
                        context.normalizedPath(),
                        context.failure());
            }
            answer(context, 500, "internal error");
        });
        // the request timeout (TimeoutHandler) answers 503: the platform retries
        top.errorHandler(503, context -> answer(context, 503, "request timed out, retry later"));
        server = getVertx().createHttpServer(options).requestHandler(top);
        server.listen(properties.port(), properties.address())
                .toCompletionStage()
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        log.info(
                "Webhook listener on {}:{} (POST /webhook), idle connections closed after {} ms",
                properties.address(),
                getPort(),
                properties.idleTimeout().toMillis());
    }

    @Override
    protected void stopServer() {
        if (server == null) {
            return;
        }
        try {
            getCamelContext().removeComponent("platform-http");
            server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Could not close the webhook listener: {}", e.toString());
        } finally {
            server = null;
        }
    }

    /** This listener's server: the platform-http engine asks it for the port its routes are served on. */
    @Override
    public HttpServer getServer() {
        return server;
    }

    @Override
    public int getPort() {
        return server != null ? server.actualPort() : properties.port();
    }

    private static void securityHeaders(RoutingContext context) {
        SecurityHeaders.VALUES.forEach(context.response()::putHeader);
        context.next();
    }

    /**
     * The last handler before a route takes the request. A stop lets the requests in flight finish; a new one
     * is refused with an answer the platform retries (and once the listener is closed, at the connection).
     * Checked here, not before the body is read: Camel suspends the routes right after it starts stopping,
     * and a suspended route would answer an empty 503.
     */
    private void refuseWhileStopping(RoutingContext context) {
        if (getCamelContext().isStopping()) {
            answer(context, 503, "shutting down, retry later");
            return;
        }
        context.next();
    }

    private static void answer(RoutingContext context, int status, String error) {
        if (context.response().ended()) {
            return;
        }
        context.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(IntakeErrors.body(error, List.of()));
    }

    /** Not in {@code validate}, which must not take a port from a service running beside it. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "callhook.webhook.listen", havingValue = "true", matchIfMissing = true)
    static class Setup {

        // No inferred close() at Spring's shutdown: Camel stops the listener after the requests in flight
        @Bean(destroyMethod = "")
        WebhookServer webhookServer(IntakeProperties properties, IntakeTimer timer) {
            return new WebhookServer(properties, timer);
        }

        /** platform-http on Vert.x, listening once Camel starts and before any route does. */
        @Bean
        CamelContextConfiguration webhookListener(WebhookServer server, IntakeProperties properties) {
            return new CamelContextConfiguration() {
                @Override
                public void beforeApplicationStart(CamelContext camel) {
                    try {
                        camel.addService(server);
                    } catch (Exception e) {
                        throw new IllegalStateException("Could not set up the webhook listener", e);
                    }
                    VertxPlatformHttpEngine engine = new VertxPlatformHttpEngine();
                    engine.setHandlers(List.of(server::refuseWhileStopping));
                    PlatformHttpComponent http = camel.getComponent("platform-http", PlatformHttpComponent.class);
                    http.setEngine(engine);
                    http.setRequestTimeout(properties.requestTimeout().toMillis());
                }

                @Override
                public void afterApplicationStart(CamelContext camel) {}
            };
        }
    }
}
