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
@SpringBootTest(
        properties = {
            "spring.datasource.url=jdbc:h2:mem:routes-validator;DB_CLOSE_DELAY=-1",
            // forward is on, so its endpoint is created in full; the other destinations are off
            "callhook.forward.url=http://127.0.0.1:9/forward"
        })
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
        assertThat(report.destinations()).hasSize(8);
        assertThat(report.notes())
                .contains("teams is off: TEAMS_WEBHOOK_URL is not set")
                .contains("email is off: callhook.mail.host (CALLHOOK_MAIL_HOST) is not set")
                .noneMatch(note -> note.startsWith("forward"));
    }

    @Test
    void yamlSyntaxErrorNamesFileAndLine() throws IOException {
        copyRoutes();
        edit(
                "slack.camel.yaml",
                "      - name: format\n        value: slack",
                "      - name: format\n       value: slack");

        assertThat(only()).satisfies(p -> {
            assertThat(p.file().getFileName().toString()).isEqualTo("slack.camel.yaml");
            assertThat(p.line()).isPositive();
        });
    }

    @Test
    void unknownStepIsNamed() throws IOException {
        copyRoutes();
        edit("call-routing.camel.yaml", "        - choice:", "        - choise:");

        assertThat(only().toString()).contains("call-routing.camel.yaml").contains("choise");
    }

    @Test
    void unknownComponentIsNamed() throws IOException {
        copyRoutes();
        edit("teams.camel.yaml", "value: teams\n", "value: teams\n      - name: uri\n        value: msteams:post\n");

        Problem problem = only();
        assertThat(problem.toString()).contains("teams.camel.yaml:2:").contains("no Camel component 'msteams'");
    }

    @Test
    void unknownEndpointOptionIsNamed() throws IOException {
        copyRoutes();
        edit(
                "forward.camel.yaml",
                "value: forward\n",
                "value: forward\n      - name: uri\n        value: log:forward?levl=INFO\n");

        assertThat(only().toString()).contains("forward.camel.yaml:").contains("levl");
    }

    @Test
    void missingBeanIsNamed() throws IOException {
        copyRoutes();
        edit(
                "call-routing.camel.yaml",
                "        - choice:",
                "        - bean:\n            ref: routingHelpers\n            method: decide\n        - choice:");

        assertThat(only().toString()).contains("call-routing.camel.yaml:").contains("no bean named 'routingHelpers'");
    }

    /** A condition with a brace left open would fail at the first call that reaches it: validate says so. */
    @Test
    void aConditionThatDoesNotParseIsNamedWithItsLine() throws IOException {
        copyRoutes();
        edit(
                "call-routing.camel.yaml",
                "${variable.outcome} == 'unsuccessful'",
                "${variable.outcome == 'unsuccessful'");

        assertThat(only().toString())
                .containsPattern("call-routing.camel.yaml:\\d+: simple expression does not parse")
                .contains("variable.outcome == 'unsuccessful'");
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

    @Test
    void aBranchThatNamesAnUndeclaredDestinationIsNamed() throws IOException {
        copyRoutes();
        edit("call-routing.camel.yaml", "constant: slack,email,forward", "constant: slack,emial,forward");

        assertThat(only().toString())
                .contains("call-routing.camel.yaml:")
                .contains("channels names 'emial', which no destination declares")
                .contains("declared: ")
                .contains("email");
    }

    @Test
    void aDestinationsUnknownParameterAndMissingTemplateAreNamed() throws IOException {
        copyRoutes();
        edit(
                "teams.camel.yaml",
                "      - name: pace\n",
                "      - name: colour\n        value: red\n      - name: pace\n");
        edit("slack-escalations.camel.yaml", "value: slack-escalation.json.ftl", "value: slack-escalaton.json.ftl");

        assertThat(validator.validate(dir).problems())
                .extracting(Problem::toString)
                .anySatisfy(p -> assertThat(p)
                        .contains("teams.camel.yaml:2:")
                        .contains("unknown parameter 'colour' of route template 'channel'"))
                .anySatisfy(p -> assertThat(p)
                        .contains("slack-escalations.camel.yaml:")
                        .contains("destination 'slack-escalations' does not render")
                        .contains("slack-escalaton.json.ftl"))
                .hasSize(2);
    }

    @Test
    void aDestinationWithABadPaceOrNoTemplateIsNamed() throws IOException {
        copyRoutes();
        edit("teams.camel.yaml", "value: 4/1s", "value: four a second");
        edit("crm.camel.yaml", "routeTemplateRef: channel", "routeTemplateRef: chanel");

        assertThat(validator.validate(dir).problems())
                .extracting(Problem::toString)
                .anySatisfy(p -> assertThat(p).contains("teams.camel.yaml:").contains("four a second"))
                .anySatisfy(p -> assertThat(p)
                        .contains("crm.camel.yaml:")
                        .contains("uses route template 'chanel', which no file defines"))
                .hasSize(2);
    }

    /** The engine's routes are in the jar: an operator's file may not take one of their ids. */
    @Test
    void anOperatorFileReusingAnEngineRouteIdIsRefused() throws IOException {
        copyRoutes();
        Files.writeString(dir.resolve("mine.camel.yaml"), RoutesFolder.REUSING_AN_ENGINE_ROUTE_ID);

        assertThat(only().toString())
                .contains("mine.camel.yaml:")
                .contains("route id 'webhook-intake' is the engine's own (camel/intake.camel.yaml in the jar)");
    }

    /**
     * The routing table runs before the webhook is answered: a call to another system or a delay there is
     * refused, saying why and where such a call belongs.
     */
    @Test
    void aRoutingTableStepThatCouldMakeTheWebhookWaitIsRefused() throws IOException {
        copyRoutes();
        edit(
                "call-routing.camel.yaml",
                "        - choice:",
                "        - delay:\n            constant: 1000\n        - to:\n            uri: http:crm.example/calls\n"
                        + "        - choice:");

        assertThat(validator.validate(dir).problems())
                .extracting(Problem::toString)
                .anySatisfy(p -> assertThat(p)
                        .contains("call-routing.camel.yaml:")
                        .contains("the routing table runs before the webhook is answered: no delay"))
                .anySatisfy(p -> assertThat(p)
                        .contains("no to")
                        .contains("http:crm.example/calls")
                        .contains("declare a destination for it"))
                .hasSize(2);
    }

    /** A destination needs no routeId (its channel names its route) and requires what its url and token name. */
    @Test
    void aDestinationWithoutRouteIdOrRequiresIsNamedByItsChannelAndOffUntilItsUrlIsSet() throws IOException {
        copyRoutes();

        Report report = validator.validate(dir);

        assertThat(report.problems()).isEmpty();
        assertThat(report.routeIds().get(dir.resolve("crm.camel.yaml"))).containsExactly("crm");
        assertThat(report.destinations().get("crm").requires()).containsExactly("CRM_URL", "CRM_TOKEN");
        assertThat(report.notes()).contains("crm is off: CRM_URL is not set");
    }

    @Test
    void anAlertWithAnUnknownConditionOrAnUndeclaredRecipientIsNamed() throws IOException {
        copyRoutes();
        edit("alerts.camel.yaml", "value: failure-rate", "value: failure-ratio");
        edit(
                "alerts.camel.yaml",
                "        value: backlog\n      - name: when",
                "        value: backlog\n      - name: notify\n        value: slack-alerts,pager\n      - name: when");

        assertThat(validator.validate(dir).problems())
                .extracting(Problem::toString)
                .anySatisfy(p -> assertThat(p)
                        .contains("alerts.camel.yaml:")
                        .contains("when must be one of failing, failure-rate, backlog, failed")
                        .contains("failure-ratio"))
                .anySatisfy(p -> assertThat(p)
                        .contains("alerts.camel.yaml:")
                        .contains("alert 'backlog' notifies 'pager', which no destination declares"))
                .hasSize(2);
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
