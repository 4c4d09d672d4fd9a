package io.callhook.routes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Decides, before Camel starts, where routes and templates are read from: the engine's own routes always from
 * the jar ({@code camel/*.camel.yaml}: intake, the channel template, error handling, the pace, the digest,
 * retention…), and the operators' ones (the routing table, the destinations, the alerts, the templates) from the
 * operations folder ({@code callhook.routes-dir}, default {@code ./routes}) when it exists, otherwise from the
 * copy packaged in the jar, so {@code java -jar} works from any directory.
 */
public class RoutesLocation implements EnvironmentPostProcessor {

    static final String ROUTES_DIR = "callhook.routes-dir";
    static final String TEMPLATES = "callhook.templates";
    static final String LOCATION = "callhook.routes.location";
    static final String INCLUDE_PATTERN = "camel.main.routes-include-pattern";
    /** The engine's routes, in the jar: loaded whatever the operations folder holds. */
    public static final String ENGINE = "classpath:camel/*.camel.yaml";

    private final Log log;

    public RoutesLocation(DeferredLogFactory logFactory) {
        this.log = logFactory.getLog(RoutesLocation.class);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty(INCLUDE_PATTERN)) {
            return; // set explicitly (the validate command, or an operator who knows Camel): respect it
        }
        Path dir = Path.of(environment.getProperty(ROUTES_DIR, "./routes"))
                .toAbsolutePath()
                .normalize();
        Map<String, Object> location;
        if (Files.isDirectory(dir)) {
            String base = "file:" + dir.toString().replace('\\', '/');
            location = Map.of(
                    INCLUDE_PATTERN,
                    ENGINE + "," + base + "/*.camel.yaml",
                    TEMPLATES,
                    base + "/templates",
                    LOCATION,
                    base);
            log.info("Routes and templates are read from " + dir);
        } else {
            location = Map.of(
                    INCLUDE_PATTERN,
                    ENGINE + ",classpath:routes/*.camel.yaml",
                    TEMPLATES,
                    "classpath:routes/templates",
                    LOCATION,
                    "classpath:routes");
            log.info("No routes folder at " + dir + ": using the routes packaged in the jar");
        }
        environment.getPropertySources().addFirst(new MapPropertySource("callhookRoutesLocation", location));
    }
}
