package io.callhook.routes;

import java.nio.file.Path;
import java.util.Map;

import io.callhook.CallhookApplication;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The service's beans without the service, for the operator's commands ({@code validate}, {@code preview}):
 * no web server nor webhook listener, no routes started, an in-memory database so that a running service's
 * files are not touched, and quiet logging (the command's report is the output).
 */
final class Offline {

    private Offline() {}

    /** Starts the beans with {@code dir} as the routes folder. */
    static ConfigurableApplicationContext start(Path dir) {
        String base = "file:" + dir.toString().replace('\\', '/');
        SpringApplication application = new SpringApplication(CallhookApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setBannerMode(Banner.Mode.OFF);
        application.setLogStartupInfo(false);
        // command-line arguments outrank the environment: a command never uses the service's database,
        // routes or log levels, whatever is set for the service
        String[] settings = Map.of(
                        "camel.main.routes-collector-enabled",
                        "false",
                        RoutesLocation.INCLUDE_PATTERN,
                        RoutesLocation.ENGINE + "," + base + "/*.camel.yaml",
                        RoutesLocation.TEMPLATES,
                        base + "/templates",
                        RoutesLocation.LOCATION,
                        base,
                        "callhook.routes.reload-interval",
                        "0",
                        // no webhook listener: the service running beside it has the port
                        "callhook.webhook.listen",
                        "false",
                        "spring.datasource.url",
                        "jdbc:h2:mem:callhook-offline",
                        "spring.datasource.username",
                        "sa",
                        "spring.datasource.password",
                        "",
                        "logging.level.root",
                        "ERROR")
                .entrySet()
                .stream()
                .map(setting -> "--" + setting.getKey() + "=" + setting.getValue())
                .toArray(String[]::new);
        return application.run(settings);
    }
}
