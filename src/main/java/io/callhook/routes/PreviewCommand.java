package io.callhook.routes;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callhook.call.CallFacts;
import io.callhook.delivery.DeliveryLedger;
import io.callhook.destination.Destination;
import io.callhook.destination.Messages;
import io.callhook.destination.Messages.Message;
import io.callhook.intake.IntakeErrors;
import io.callhook.intake.WebhookReader;
import io.callhook.intake.WebhookRejected;
import io.callhook.routes.RoutesValidator.Report;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.model.ChoiceDefinition;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.OtherwiseDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.SetVariableDefinition;
import org.apache.camel.model.language.ConstantExpression;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.util.URISupport;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * {@code java -jar callhook.jar preview [routes-dir] <payload.json>}: what the routes would do with one
 * event, before an edit is saved. Reads the payload as intake reads a webhook (what the webhook refuses, it
 * refuses, with the same answer), runs the folder's routing table on it (its own steps, nothing sent: an
 * endpoint it calls is only named), then says which destinations would send or be skipped and why, and
 * prints each chosen destination's message as it would be sent, secrets masked. Nothing is sent, stored or
 * listened on ({@link Offline}). Exits 0 when it could say, 1 when the folder or the payload is broken (or
 * refused), 2 when the preview itself could not run.
 */
public final class PreviewCommand {

    private static final String ENTRY = "direct:callhook-preview";
    private static final String BRANCH = "callhookPreviewBranch";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PreviewCommand() {}

    public static int run(List<String> args, PrintStream out) {
        if (args.isEmpty() || args.size() > 2) {
            out.println("Usage: java -jar callhook.jar preview [routes-dir] <payload.json>");
            return 2;
        }
        Path dir = Path.of(args.size() == 2 ? args.get(0) : "./routes")
                .toAbsolutePath()
                .normalize();
        Path file = Path.of(args.get(args.size() - 1));
        byte[] payload;
        try {
            payload = Files.readAllBytes(file);
        } catch (IOException e) {
            out.println(file + ": cannot be read: " + RoutesValidator.describe(e));
            return 1;
        }
        try (ConfigurableApplicationContext context = Offline.start(dir)) {
            try {
                return preview(context, dir, file, payload, out);
            } finally {
                // stopped while the quiet logging of Offline still holds (closing the context resets logging)
                context.getBean(CamelContext.class).stop();
            }
        } catch (Exception e) {
            out.println("Could not run the preview: " + RoutesValidator.describe(e));
            return 2;
        }
    }

    private static int preview(
            ConfigurableApplicationContext context, Path dir, Path file, byte[] body, PrintStream out)
            throws Exception {
        WebhookReader.Event event;
        try {
            event = context.getBean(WebhookReader.class).event(body, null, null);
        } catch (WebhookRejected refused) {
            out.println(file + ": the webhook would refuse it with " + refused.status() + " "
                    + IntakeErrors.body(refused.getMessage(), refused.details()));
            return 1;
        }
        String payload = (String) event.row().get("payload");
        Report report = context.getBean(RoutesValidator.class).validate(dir);
        if (!report.ok()) {
            report.problems().forEach(out::println);
            out.printf(
                    "INVALID: %s: %d problem(s); validate and fix them first%n",
                    dir, report.problems().size());
            return 1;
        }
        CamelContext camel = context.getBean(CamelContext.class);
        Environment environment = context.getBean(Environment.class);
        Optional<Map.Entry<Path, RouteDefinition>> found = routingTable(report, camel);
        if (found.isEmpty()) {
            out.println("No route of " + dir + " consumes " + RoutesValidator.ROUTING_TABLE + ": the routing table");
            return 1;
        }
        List<String> calls = new ArrayList<>();
        Exchange routed = route(camel, found.get().getKey(), found.get().getValue(), event, calls);
        if (routed.getException() != null) {
            out.println("The routing table failed on this payload: " + RoutesValidator.describe(routed.getException()));
            return 1;
        }

        out.printf(
                "Event %s, delivery %s, call %s, outcome %s%n",
                event.event(), event.deliveryId(), event.callId(), event.outcome());
        out.println("Branch: "
                + Optional.ofNullable(routed.getVariable(BRANCH)).orElse("none (no branch of the table matched)"));
        String channels = routed.getVariable("channels", String.class);
        out.println("Channels: " + (channels == null || channels.isBlank() ? "none" : channels));
        calls.forEach(uri -> out.println("The table also calls " + uri + " (not called in a preview)"));
        Map<String, Destination> declared = report.destinations();
        Map<String, Optional<String>> decided = DeliveryLedger.decide(channels, declared.keySet(), name -> {
            Destination destination = declared.get(name);
            return destination == null
                    ? Optional.of("no destination named '" + name + "' is declared in the routes")
                    : destination.offReason(environment);
        });
        out.println();
        decided.forEach((name, skipped) -> out.printf(
                "  %-18s %s%n", name, skipped.map(why -> "SKIPPED: " + why).orElse("would send")));
        for (Destination off : declared.values()) {
            if (!decided.containsKey(off.name())) {
                out.printf(
                        "  %-18s not recorded: %s%n",
                        off.name(), off.offReason(environment).orElse("off"));
            }
        }

        Messages messages = context.getBean(Messages.class);
        CallFacts facts = messages.callFacts(event.row());
        String location = "file:" + dir.resolve("templates");
        for (String name : decided.keySet()) {
            Destination destination = declared.get(name);
            if (destination == null
                    || decided.get(name)
                            .filter(why -> why.startsWith("not chosen"))
                            .isPresent()) {
                continue;
            }
            Message message = messages.message(destination, location, facts, payload, routed);
            out.println();
            out.println("── " + name + (decided.get(name).isPresent() ? " (off: shown as it would be sent)" : ""));
            print(destination, message, environment, out);
        }
        return 0;
    }

    /** The routing table's route, and its file. */
    private static Optional<Map.Entry<Path, RouteDefinition>> routingTable(Report report, CamelContext camel) {
        for (Map.Entry<Path, List<RouteDefinition>> file : report.routes().entrySet()) {
            for (RouteDefinition route : file.getValue()) {
                if (route.getInput() != null
                        && RoutesValidator.ROUTING_TABLE.equals(camel.resolvePropertyPlaceholders(
                                route.getInput().getUri()))) {
                    return Optional.of(Map.entry(file.getKey(), route));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Runs the routing table's own steps on the event, as intake would: fed the event as intake reads it, each
     * branch marked so that the matched one is known, every endpoint it would call intercepted and named
     * instead.
     */
    private static Exchange route(
            CamelContext camel, Path file, RouteDefinition table, WebhookReader.Event event, List<String> calls)
            throws Exception {
        table.setId("callhook-preview");
        table.getInput().setUri(ENTRY);
        table.setRouteConfigurationId(null);
        for (ChoiceDefinition choice :
                ProcessorDefinitionHelper.filterTypeInOutputs(table.getOutputs(), ChoiceDefinition.class)) {
            choice.getWhenClauses().forEach(when -> mark(file, when.getId(), when.getLineNumber(), when.getOutputs()));
            OtherwiseDefinition otherwise = choice.getOtherwise();
            if (otherwise != null) {
                mark(file, otherwise.getId(), otherwise.getLineNumber(), otherwise.getOutputs());
            }
        }
        camel.getCamelContextExtension()
                .getContextPlugin(ModelCamelContext.class)
                .addRouteDefinition(table);
        AdviceWith.adviceWith(
                camel,
                "callhook-preview",
                advice -> advice.interceptSendToEndpoint(
                                // every endpoint but the preview's own entry
                                "^(?!direct:(//)?callhook-preview$).+$")
                        .skipSendToOriginalEndpoint()
                        .process(exchange -> calls.add(URISupport.sanitizeUri(
                                exchange.getProperty(Exchange.INTERCEPTED_ENDPOINT, String.class)))));
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(event.envelope());
        exchange.setProperty("deliveryId", event.deliveryId());
        exchange.setVariable("event", event.event());
        exchange.setVariable("outcome", event.outcome());
        return camel.createProducerTemplate().send(ENTRY, exchange);
    }

    /** Its first step records which branch this is: its id, file and line. */
    private static void mark(Path file, String id, int line, List<ProcessorDefinition<?>> steps) {
        String where = file.getFileName() + (line > 0 ? ":" + line : "");
        String label = (id != null ? id : "(no id)") + " (" + where + ")";
        steps.add(0, new SetVariableDefinition(BRANCH, new ConstantExpression(label)));
    }

    private static void print(Destination destination, Message message, Environment environment, PrintStream out) {
        String body = message.body();
        if (destination.format() == Destination.Format.EMAIL) {
            out.println("To: " + environment.getProperty("callhook.mail.to", "(CALLHOOK_MAIL_TO is not set)")
                    + ", through " + URISupport.sanitizeUri(destination.uri()));
            out.println("Subject: " + message.headers().get("Subject"));
            out.println("── text part");
            out.println(mask(String.valueOf(message.headers().get("CamelMailAlternativeBody")), destination));
            out.println("── HTML part");
            out.println(mask(body, destination));
            return;
        }
        out.println(message.headers().getOrDefault(Exchange.HTTP_METHOD, "send") + " " + address(destination));
        message.headers().forEach((header, value) -> {
            if (!header.startsWith("Camel")) {
                out.println(header + ": " + mask(String.valueOf(value), destination));
            }
        });
        out.println();
        out.println(mask(pretty(body), destination));
    }

    /** Where it goes: the endpoint, or for a secret URL only its scheme and host. */
    private static String address(Destination destination) {
        if (destination.url().isEmpty()) {
            return destination.uri().equals("http:destination")
                    ? "(no url set)"
                    : URISupport.sanitizeUri(destination.uri());
        }
        try {
            URI url = URI.create(destination.url());
            return url.getScheme() + "://" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "")
                    + "/**** (url masked)";
        } catch (IllegalArgumentException e) {
            return "**** (url masked)";
        }
    }

    private static String mask(String text, Destination destination) {
        String masked = text;
        List<String> secrets = new ArrayList<>(destination.secrets());
        secrets.sort(java.util.Comparator.comparingInt(String::length).reversed());
        for (String secret : secrets) {
            masked = masked.replace(secret, "****");
        }
        return masked;
    }

    /** Indented, when it is JSON; a call's transcript is not shown (it is personal, and long). */
    private static String pretty(String body) {
        try {
            JsonNode json = JSON.readTree(body);
            if (json.path("data").path("transcript").isTextual()) {
                ((ObjectNode) json.get("data"))
                        .put(
                                "transcript",
                                "(transcript of "
                                        + json.path("data")
                                                .path("transcript")
                                                .asText()
                                                .length() + " characters, not shown)");
            }
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json);
        } catch (IOException | RuntimeException notJson) {
            return body;
        }
    }
}
