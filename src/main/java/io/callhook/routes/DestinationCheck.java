package io.callhook.routes;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.callhook.alert.Alert;
import io.callhook.destination.Destination;
import io.callhook.destination.Destinations;
import io.callhook.destination.Messages;
import io.callhook.routes.RoutesValidator.Problem;
import io.callhook.slack.SlackProperties;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.RouteTemplateParameterDefinition;
import org.apache.camel.model.SetVariableDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.model.TemplatedRouteParameterDefinition;
import org.apache.camel.model.language.ConstantExpression;
import org.apache.camel.support.DefaultExchange;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The contract between the routing table and the destinations of a routes folder: every templated route
 * uses a template the folder defines, with parameters the template knows and every required one given;
 * every destination reads (format, pace, timeout) and names an endpoint that exists; its templates exist
 * and render for the platform's samples; every destination a branch names in {@code channels} is declared.
 * A destination that is off (a setting it requires is unset) is not a problem: it is reported as a note.
 */
@Component
class DestinationCheck {

    /** The route template of routes/alerts.camel.yaml: its alerts are checked too. */
    static final String ALERT_TEMPLATE = "alert";

    private final CamelContext camel;
    private final Messages messages;
    private final SlackProperties slack;
    private final Environment environment;

    DestinationCheck(CamelContext camel, Messages messages, SlackProperties slack, Environment environment) {
        this.camel = camel;
        this.messages = messages;
        this.slack = slack;
        this.environment = environment;
    }

    /** What was checked: the destinations declared, and notes (which are off, and why). */
    record Result(Map<String, Destination> destinations, List<String> notes, Set<String> templates) {}

    Result check(
            Path dir,
            Map<Path, String> contents,
            Map<Path, List<RouteDefinition>> routes,
            Map<Path, List<RouteTemplateDefinition>> templates,
            Map<Path, List<TemplatedRouteDefinition>> templated,
            EndpointCheck endpoints,
            List<Problem> problems) {
        Map<String, RouteTemplateDefinition> byId = new LinkedHashMap<>();
        templates.values().forEach(list -> list.forEach(t -> byId.put(t.getId(), t)));
        Map<String, Destination> destinations = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Set<String> rendered = new HashSet<>();
        Set<String> named = new LinkedHashSet<>();
        List<Declared> alerts = new ArrayList<>();
        // a file that did not parse declares nothing: its destinations would be reported missing everywhere
        boolean allParsed = problems.isEmpty();
        templated.forEach((file, list) -> {
            for (int index = 0; index < list.size(); index++) {
                TemplatedRouteDefinition use = list.get(index);
                int line = lineOf(contents.get(file), index);
                RouteTemplateDefinition template = byId.get(use.getRouteTemplateRef());
                if (template == null) {
                    problems.add(new Problem(
                            file,
                            line,
                            "uses route template '" + use.getRouteTemplateRef() + "', which no file defines"));
                    continue;
                }
                boolean fits = parametersFit(file, line, use, template, problems);
                if (ALERT_TEMPLATE.equals(template.getId()) && fits) {
                    try {
                        alerts.add(new Declared(file, line, Alert.of(parameters(template, use), this::resolve)));
                    } catch (RuntimeException e) {
                        problems.add(new Problem(file, line, RoutesValidator.describe(e)));
                    }
                }
                if (!Destinations.TEMPLATE.equals(template.getId())) {
                    continue;
                }
                // declared even when broken: its own problem is reported, not every branch that names it
                named.add(use.getParameters().stream()
                        .filter(p -> "channel".equals(p.getName()))
                        .map(TemplatedRouteParameterDefinition::getValue)
                        .findFirst()
                        .orElse(RoutesValidator.routeId(use, byId)));
                if (!fits) {
                    continue;
                }
                Destination destination;
                try {
                    destination = Destination.of(
                            RoutesValidator.routeId(use, byId),
                            parameters(template, use),
                            this::resolve,
                            slack.minInterval());
                } catch (RuntimeException e) {
                    problems.add(new Problem(file, line, RoutesValidator.describe(e)));
                    continue;
                }
                if (destinations.putIfAbsent(destination.name(), destination) != null) {
                    problems.add(new Problem(file, line, "destination '" + destination.name() + "' is declared twice"));
                    continue;
                }
                var off = destination.offReason(environment);
                off.ifPresent(notes::add);
                // an endpoint that is off may lack what it needs to be created (summary-mail without a host)
                if (!destination.uri().equals("http:destination")) {
                    endpoints.check(file, line, destination.uri(), off.isEmpty(), problems);
                }
                renders(dir, file, line, destination, rendered, problems);
            }
        });
        routes.forEach((file, list) -> list.forEach(route -> namedChannels(file, route, named, problems)));
        for (Declared declared : allParsed ? alerts : List.<Declared>of()) {
            for (String recipient : declared.alert().recipients()) {
                if (!named.contains(recipient)) {
                    problems.add(new Problem(
                            declared.file(),
                            declared.line(),
                            "alert '" + declared.alert().name() + "' notifies '" + recipient
                                    + "', which no destination declares (declared: " + String.join(", ", named) + ")"));
                }
            }
        }
        return new Result(destinations, notes, rendered);
    }

    /** An alert as declared, where it is declared. */
    private record Declared(Path file, int line, Alert alert) {}

    /** Every parameter given is one the template has; every one it requires without a default is given. */
    private static boolean parametersFit(
            Path file,
            int line,
            TemplatedRouteDefinition use,
            RouteTemplateDefinition template,
            List<Problem> problems) {
        Map<String, RouteTemplateParameterDefinition> known = new LinkedHashMap<>();
        template.getTemplateParameters().forEach(p -> known.put(p.getName(), p));
        Set<String> given = new HashSet<>();
        boolean fits = true;
        for (TemplatedRouteParameterDefinition parameter : use.getParameters()) {
            given.add(parameter.getName());
            if (!known.containsKey(parameter.getName())) {
                problems.add(new Problem(
                        file,
                        line,
                        "unknown parameter '" + parameter.getName() + "' of route template '" + template.getId()
                                + "' (it has " + String.join(", ", known.keySet()) + ")"));
                fits = false;
            }
        }
        for (RouteTemplateParameterDefinition parameter : known.values()) {
            if (parameter.isRequired() && parameter.getDefaultValue() == null && !given.contains(parameter.getName())) {
                problems.add(new Problem(
                        file,
                        line,
                        "route template '" + template.getId() + "' needs parameter '" + parameter.getName() + "'"));
                fits = false;
            }
        }
        return fits;
    }

    /** The destination's messages for every sample payload, as it would send them. */
    private void renders(
            Path dir, Path file, int line, Destination destination, Set<String> rendered, List<Problem> problems) {
        String location = "file:" + dir.resolve("templates").toAbsolutePath().normalize();
        for (String sample : TemplateCheck.SAMPLES) {
            Map<String, Object> envelope = TemplateCheck.sample(sample);
            Exchange exchange = exchange(envelope, sample);
            try {
                messages.message(
                        destination, location, TemplateCheck.facts(sample), TemplateCheck.json(envelope), exchange);
                if (!destination.template().isEmpty()) {
                    rendered.add(camel.resolveLanguage("simple")
                            .createExpression(destination.template())
                            .evaluate(exchange, String.class));
                }
            } catch (RuntimeException e) {
                problems.add(new Problem(
                        file,
                        line,
                        "destination '" + destination.name() + "' does not render for sample " + sample + ": "
                                + RoutesValidator.describe(e)));
                return;
            }
        }
    }

    /** The exchange a destination's route would have for this sample: the variables the routing table sets. */
    Exchange exchange(Map<String, Object> envelope, String sample) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(envelope);
        exchange.setProperty("deliveryId", String.valueOf(envelope.get("id")));
        exchange.setVariable("event", envelope.get("event"));
        exchange.setVariable("outcome", TemplateCheck.facts(sample).outcome());
        exchange.setVariable("payload", TemplateCheck.json(envelope));
        return exchange;
    }

    /** Each {@code setVariable} of {@code channels} to a constant names declared destinations only. */
    private static void namedChannels(
            Path file, RouteDefinition route, Set<String> destinations, List<Problem> problems) {
        List<ProcessorDefinition<?>> steps = route.getOutputs();
        for (SetVariableDefinition set :
                ProcessorDefinitionHelper.filterTypeInOutputs(steps, SetVariableDefinition.class)) {
            if (!"channels".equals(set.getName()) || !(set.getExpression() instanceof ConstantExpression names)) {
                continue;
            }
            for (String name : Arrays.stream(names.getExpression().split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .toList()) {
                if (!destinations.contains(name)) {
                    problems.add(new Problem(
                            file,
                            set.getLineNumber(),
                            "channels names '" + name + "', which no destination declares (declared: "
                                    + String.join(", ", destinations) + ")"));
                }
            }
        }
    }

    /** The template's defaults, overridden by the given values. */
    private static Map<String, Object> parameters(RouteTemplateDefinition template, TemplatedRouteDefinition use) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        for (RouteTemplateParameterDefinition parameter : template.getTemplateParameters()) {
            if (parameter.getDefaultValue() != null) {
                parameters.put(parameter.getName(), parameter.getDefaultValue());
            }
        }
        use.getParameters().forEach(p -> parameters.put(p.getName(), p.getValue()));
        return parameters;
    }

    private String resolve(String value) {
        return value.contains("{{") ? camel.getCamelContextExtension().resolvePropertyPlaceholders(value, true) : value;
    }

    /** The line of the file's {@code index}-th templated route (0: the first), where it starts. */
    static int lineOf(String content, int index) {
        if (content == null) {
            return 0;
        }
        String[] lines = content.split("\n", -1);
        int seen = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].trim().startsWith("- templatedRoute:") && seen++ == index) {
                return i + 1;
            }
        }
        return 0;
    }

    /** Checks an endpoint URI as the validator checks every endpoint of the routes. */
    @FunctionalInterface
    interface EndpointCheck {
        void check(Path file, int line, String uri, boolean create, List<Problem> problems);
    }
}
