package io.callhook.routes;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import io.callhook.routes.RoutesValidator.Report;
import org.apache.camel.CamelContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code java -jar callhook.jar validate [routes-dir]}: the check an operator runs before deploying an
 * edit. Starts the beans the routes call ({@link Offline}: no ports, no routes, no database of the service's),
 * validates the folder and exits 0 when it is whole, 1 when not, 2 when the check itself could not run.
 */
public final class ValidateCommand {

    private ValidateCommand() {}

    public static int run(List<String> args, PrintStream out) {
        Path dir = Path.of(args.isEmpty() ? "./routes" : args.get(0))
                .toAbsolutePath()
                .normalize();
        try (ConfigurableApplicationContext context = Offline.start(dir)) {
            Report report = context.getBean(RoutesValidator.class).validate(dir);
            // stopped while the quiet logging of Offline still holds (closing the context resets logging)
            context.getBean(CamelContext.class).stop();
            report.problems().forEach(out::println);
            report.notes().forEach(note -> out.println("note: " + note));
            if (report.ok()) {
                out.printf(
                        "OK: %s: %d route file(s), %d route(s), %d destination(s), %d template(s) checked%n",
                        dir,
                        report.routes().size(),
                        report.routeCount(),
                        report.destinations().size(),
                        report.templates());
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
