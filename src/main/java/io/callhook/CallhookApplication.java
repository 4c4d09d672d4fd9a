package io.callhook;

import java.time.Clock;
import java.util.Arrays;

import io.callhook.routes.PreviewCommand;
import io.callhook.routes.ValidateCommand;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

// no generated user: the admin token is the one credential (AdminSecurity); Boot would log a generated password
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
@ConfigurationPropertiesScan
public class CallhookApplication {

    /**
     * Runs the service; or with {@code validate [routes-dir]} checks a routes folder, with
     * {@code preview [routes-dir] <payload.json>} shows what it would do with one event, and exits; with
     * {@code --version} prints the version and exits.
     */
    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("--version") || args[0].equals("version"))) {
            System.out.println("callhook " + Version.current());
            System.exit(0);
        }
        if (args.length > 0 && args[0].equals("validate")) {
            System.exit(ValidateCommand.run(Arrays.asList(args).subList(1, args.length), System.out));
        }
        if (args.length > 0 && args[0].equals("preview")) {
            System.exit(PreviewCommand.run(Arrays.asList(args).subList(1, args.length), System.out));
        }
        SpringApplication.run(CallhookApplication.class, args);
    }

    /** The machine's clock; tests give a skewed one. Times shared with other instances use DatabaseClock. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
