package io.callhook.routes;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.callhook.CallhookApplication;
import io.callhook.routes.RoutesValidator.Report;
import org.apache.camel.CamelContext;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code java -jar callhook.jar validate [routes-dir]}: the check an operator runs before deploying an
 * edit. Starts the beans the routes call (no web server nor webhook listener, no routes, an in-memory
 * database so a running service's files are not touched), validates the folder and exits 0 when it is whole,
 * 1 when not, 2 when the check itself could not run.
 */
public final class ValidateCommand {

    private ValidateCommand() {}

    public static int run(List<String> args, PrintStream out) {
        Path dir = Path.of(args.isEmpty() ? "./routes" : args.get(0))
                .toAbsolutePath()
                .normalize();
        String base = "file:" + dir.toString().replace('\\', '/');
        SpringApplication application = new SpringApplication(CallhookApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setBannerMode(Banner.Mode.OFF);
        application.setLogStartupInfo(false);
        // command-line arguments outrank the environment: validation never uses the service's database,
        // routes or log levels, whatever is set for the service
        String[] settings = Map.of(
                        "camel.main.routes-collector-enabled",
                        "false",
                        RoutesLocation.INCLUDE_PATTERN,
                        base + "/*.camel.yaml",
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
                        "jdbc:h2:mem:callhook-validate",
                        "spring.datasource.username",
                        "sa",
                        "spring.datasource.password",
                        "",
                        // the report is the output: the service's own start-up warnings are noise here
                        "logging.level.root",
                        "ERROR")
                .entrySet()
                .stream()
                .map(setting -> "--" + setting.getKey() + "=" + setting.getValue())
                .toArray(String[]::new);
        try (ConfigurableApplicationContext context = application.run(settings)) {
            Report report = context.getBean(RoutesValidator.class).validate(dir);
            // stopped while the quiet logging set above still holds (closing the context resets logging)
            context.getBean(CamelContext.class).stop();
            report.problems().forEach(out::println);
            int routes = report.routes().values().stream().mapToInt(List::size).sum();
            if (report.ok()) {
                out.printf(
                        "OK: %s: %d route file(s), %d route(s), %d template(s) checked%n",
                        dir, report.routes().size(), routes, report.templates());
                return 0;
            }
            out.printf(
                    "INVALID: %s: %d problem(s); fix them before deploying%n",
                    dir, report.problems().size());
            return 1;
        } catch (RuntimeException e) {
            out.println("Could not run the check: " + RoutesValidator.describe(e));
            return 2;
        }
    }
}
