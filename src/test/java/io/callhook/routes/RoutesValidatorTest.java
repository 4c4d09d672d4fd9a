package io.callhook.routes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.callhook.routes.RoutesValidator.Problem;
import io.callhook.routes.RoutesValidator.Report;
import io.callhook.testing.RoutesFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/** Each kind of broken edit an operator can make, caught with the file, the line and the reason. */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:routes-validator;DB_CLOSE_DELAY=-1")
class RoutesValidatorTest {

    @Autowired
    RoutesValidator validator;

    @TempDir
    Path dir;

    @Test
    void theShippedRoutesFolderIsValid() {
        Report report = validator.validate(Path.of("routes"));

        assertThat(report.problems()).isEmpty();
        assertThat(report.routes()).hasSizeGreaterThanOrEqualTo(5);
        assertThat(report.templates()).isGreaterThanOrEqualTo(6);
    }

    @Test
    void yamlSyntaxErrorNamesFileAndLine() throws IOException {
        copyRoutes();
        edit(
                "slack.camel.yaml",
                "        - setVariable:\n            name: channel",
                "        - setVariable:\n          name: : channel");

        assertThat(only()).satisfies(p -> {
            assertThat(p.file().getFileName().toString()).isEqualTo("slack.camel.yaml");
            assertThat(p.line()).isPositive();
        });
    }

    @Test
    void unknownStepIsNamed() throws IOException {
        copyRoutes();
        edit("email.camel.yaml", "        - removeHeaders:", "        - removeHeaderz:");

        assertThat(only().toString()).contains("email.camel.yaml").contains("removeHeaderz");
    }

    @Test
    void unknownComponentIsNamed() throws IOException {
        copyRoutes();
        edit("slack.camel.yaml", "uri: seda:slack-outbox\n", "uri: teams:slack-outbox\n");

        Problem problem = only();
        assertThat(problem.toString()).contains("slack.camel.yaml:").contains("no Camel component 'teams'");
    }

    @Test
    void unknownEndpointOptionIsNamed() throws IOException {
        copyRoutes();
        edit(
                "email.camel.yaml",
                "                    offerTimeout: 1000",
                "                    offerTimeout: 1000\n                    offerTimeoutz: 5");

        assertThat(only().toString()).contains("email.camel.yaml:").contains("offerTimeoutz");
    }

    @Test
    void missingBeanIsNamed() throws IOException {
        copyRoutes();
        edit("call-routing.camel.yaml", "ref: deliveries", "ref: deliverys");

        assertThat(only().toString()).contains("call-routing.camel.yaml:").contains("no bean named 'deliverys'");
    }

    @Test
    void duplicateRouteIdAndMissingConfigurationAreNamed() throws IOException {
        copyRoutes();
        Files.writeString(dir.resolve("copy.camel.yaml"), """
                # copy → mistake
                - route:
                    id: slack
                    routeConfigurationId: no-such-configuration
                    from:
                      uri: direct:copy
                      steps:
                        - log:
                            message: copy
                """);

        assertThat(validator.validate(dir).problems())
                .extracting(Problem::toString)
                .anySatisfy(p -> assertThat(p).contains("route id 'slack' is also used in"))
                .anySatisfy(p -> assertThat(p).contains("'no-such-configuration', which no file defines"));
    }

    @Test
    void templateThatDoesNotRenderIsNamed() throws IOException {
        copyRoutes();
        edit("templates/email-summary.txt.ftl", "${body.agentName}", "${body.agentName");

        assertThat(only().toString()).contains("email-summary.txt.ftl").contains("does not render");
    }

    @Test
    void slackTemplateThatIsNotJsonIsNamed() throws IOException {
        copyRoutes();
        edit("templates/slack-successful.json.ftl", "\"blocks\": [", "\"blocks\" [");

        assertThat(only().toString()).contains("slack-successful.json.ftl").contains("valid JSON");
    }

    /** A template cannot create Java objects (?new: Execute runs a shell command) nor call Java methods (?api). */
    @Test
    void templatesCannotRunJava() throws IOException {
        copyRoutes();
        edit(
                "templates/email-subject.txt.ftl",
                "${body.agentName}",
                "<#assign run = \"freemarker.template.utility.Execute\"?new()>${run(\"id\")}");
        edit("templates/email-summary.txt.ftl", "${body.agentName}", "${body?api.getClass()}");

        assertThat(validator.validate(dir).problems())
                .extracting(Problem::toString)
                .anySatisfy(p -> assertThat(p)
                        .contains("email-subject.txt.ftl", "does not render")
                        .containsIgnoringCase("not allowed"))
                .anySatisfy(p -> assertThat(p).contains("email-summary.txt.ftl", "does not render", "api"))
                .noneSatisfy(p -> assertThat(p).contains("uid="));
    }

    Problem only() {
        Report report = validator.validate(dir);
        assertThat(report.problems()).hasSize(1);
        System.out.println("validator said: " + report.problems().get(0));
        return report.problems().get(0);
    }

    void copyRoutes() {
        RoutesFolder.copyTo(dir);
    }

    void edit(String file, String from, String to) {
        RoutesFolder.edit(dir.resolve(file), from, to);
    }
}
