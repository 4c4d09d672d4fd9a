package io.callhook.routes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.callhook.destination.Destination;
import org.apache.camel.CamelContext;
import org.apache.camel.Component;
import org.apache.camel.Endpoint;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.BeanDefinition;
import org.apache.camel.model.CircuitBreakerDefinition;
import org.apache.camel.model.DelayDefinition;
import org.apache.camel.model.EnrichDefinition;
import org.apache.camel.model.ExpressionNode;
import org.apache.camel.model.FilterDefinition;
import org.apache.camel.model.OnExceptionDefinition;
import org.apache.camel.model.OnWhenDefinition;
import org.apache.camel.model.PollDefinition;
import org.apache.camel.model.PollEnrichDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.SendDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.model.ThrottleDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.model.ToDynamicDefinition;
import org.apache.camel.model.TransactedDefinition;
import org.apache.camel.model.WhenDefinition;
import org.apache.camel.model.WireTapDefinition;
import org.apache.camel.model.language.ExpressionDefinition;
import org.apache.camel.model.language.MethodCallExpression;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.util.URISupport;

/**
 * Checks a routes folder the way starting it would, without starting it: every {@code *.camel.yaml}
 * parses, has unique explicit route ids, names components that exist with options they accept, and
 * calls beans and route configurations that exist; every template renders with the platform's sample
 * payloads (and a Slack template renders a message Slack accepts). Used before a live reload applies an
 * edit, and by {@code java -jar callhook.jar validate}.
 */
@org.springframework.stereotype.Component
public class RoutesValidator {

    /** One thing wrong, where it is: {@code routes/slack.camel.yaml:27: …}. */
    public record Problem(Path file, int line, String reason) {

        @Override
        public String toString() {
            return file + (line > 0 ? ":" + line : "") + ": " + reason;
        }
    }

    /**
     * What a folder holds: the parsed routes, route configurations, route templates and templated routes by
     * file, the destinations it declares, what is wrong, and notes (destinations that are off, and why).
     */
    public record Report(
            Map<Path, List<RouteDefinition>> routes,
            Map<Path, List<RouteConfigurationDefinition>> configurations,
            Map<Path, List<RouteTemplateDefinition>> routeTemplates,
            Map<Path, List<TemplatedRouteDefinition>> templated,
            List<Problem> problems,
            List<String> notes,
            Map<String, Destination> destinations,
            int templates,
            Map<String, RouteTemplateDefinition> templatesById) {

        public boolean ok() {
            return problems.isEmpty();
        }

        /** The ids of the routes each file defines, its templated routes' included. */
        public Map<Path, List<String>> routeIds() {
            return ids(routes, templated, templatesById);
        }

        /** How many routes the folder makes, templated ones included. */
        public int routeCount() {
            return routeIds().values().stream().mapToInt(List::size).sum();
        }
    }

    /** The routing table's entry: intake sends every event there. */
    static final String ROUTING_TABLE = "direct:call-routing";

    /** One file's parsed contents. */
    private record Parsed(
            Map<Path, List<RouteDefinition>> routes,
            Map<Path, List<RouteConfigurationDefinition>> configurations,
            Map<Path, List<RouteTemplateDefinition>> routeTemplates,
            Map<Path, List<TemplatedRouteDefinition>> templated) {

        Parsed() {
            this(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
        }
    }

    private static final Pattern LINE = Pattern.compile("line (\\d+)");

    private final CamelContext camel;
    private final TemplateCheck templates;
    private final DestinationCheck destinations;

    public RoutesValidator(CamelContext camel, TemplateCheck templates, DestinationCheck destinations) {
        this.camel = camel;
        this.templates = templates;
        this.destinations = destinations;
    }

    /** Checks every route file and template under {@code dir}. */
    public Report validate(Path dir) {
        if (!Files.isDirectory(dir)) {
            return new Report(
                    Map.of(),
                    Map.of(),
                    Map.of(),
                    Map.of(),
                    List.of(new Problem(dir, 0, "not a folder")),
                    List.of(),
                    Map.of(),
                    0,
                    Map.of());
        }
        return validate(dir, read(dir, ".camel.yaml"));
    }

    /**
     * Checks these contents of the folder's route files (as read once by the caller, who applies exactly
     * what was checked) and the folder's templates.
     */
    Report validate(Path dir, Map<Path, String> routeFiles) {
        List<Problem> problems = new ArrayList<>();
        Map<Path, String> engine = engineFiles();
        Map<Path, String> all = new LinkedHashMap<>(engine);
        all.putAll(routeFiles);
        Parsed parsed = new Parsed();
        all.forEach((file, content) -> parse(file, content, parsed, problems));
        // a file that did not parse declares nothing: its destinations would be reported missing too
        boolean allParsed = problems.isEmpty();
        Map<Path, List<RouteDefinition>> routes = parsed.routes();
        Map<Path, List<RouteConfigurationDefinition>> configurations = parsed.configurations();
        Map<String, RouteTemplateDefinition> templatesById = templatesById(parsed.routeTemplates());
        checkIds(
                routes,
                parsed.templated(),
                parsed.routeTemplates(),
                all,
                configurations,
                engine.keySet(),
                templatesById,
                problems);
        Set<String> configurationIds = new HashSet<>();
        configurations.values().forEach(list -> list.forEach(c -> configurationIds.add(c.getId())));
        routes.forEach((file, list) -> list.forEach(route -> checkRoute(file, route, configurationIds, problems)));
        configurations.forEach((file, list) -> list.forEach(c -> checkConfiguration(file, c, problems)));
        // a template's endpoints are its parameters' (checked per destination): its beans are checked here
        parsed.routeTemplates()
                .forEach((file, list) -> list.forEach(template -> {
                    if (template.getRoute() != null) {
                        checkBeans(file, template.getRoute().getOutputs(), problems);
                    }
                }));
        if (allParsed) {
            checkRoutingTable(routes, routeFiles.keySet(), problems);
        }
        DestinationCheck.Result declared = destinations.check(
                dir,
                all,
                allParsed ? routes : Map.of(),
                parsed.routeTemplates(),
                parsed.templated(),
                this::checkEndpoint,
                problems);
        int rendered = templates.check(dir.resolve("templates"), declared.templates(), problems);
        withoutEchoes(problems);
        return new Report(
                only(routes, routeFiles.keySet()),
                only(configurations, routeFiles.keySet()),
                only(parsed.routeTemplates(), routeFiles.keySet()),
                only(parsed.templated(), routeFiles.keySet()),
                problems,
                declared.notes(),
                declared.destinations(),
                rendered,
                templatesById);
    }

    private static <T> Map<Path, List<T>> only(Map<Path, List<T>> byFile, Set<Path> files) {
        Map<Path, List<T>> kept = new LinkedHashMap<>();
        byFile.forEach((file, list) -> {
            if (files.contains(file)) {
                kept.put(file, list);
            }
        });
        return kept;
    }

    /** The steps the routing table may not take: it runs before the webhook is answered. */
    private static final Map<Class<?>, String> BLOCKING = Map.of(
            DelayDefinition.class, "a delay holds the webhook's answer",
            ThrottleDefinition.class, "a throttle holds the webhook's answer",
            EnrichDefinition.class, "an enrich calls another system before the webhook is answered",
            PollEnrichDefinition.class, "a pollEnrich waits for another system before the webhook is answered",
            PollDefinition.class, "a poll waits for another system before the webhook is answered",
            WireTapDefinition.class, "a wireTap sends to another system as the webhook is answered",
            CircuitBreakerDefinition.class, "a circuit breaker guards a call to another system",
            TransactedDefinition.class, "a transaction of its own around the webhook's answer");

    /**
     * The routing table ({@code direct:call-routing}) is one route of the operators' files and takes no step
     * that could make the platform wait: it runs inside intake, before the event is stored and answered. A
     * destination is where a call to another system belongs (it is sent later, paced, retried).
     */
    private void checkRoutingTable(
            Map<Path, List<RouteDefinition>> routes, Set<Path> operators, List<Problem> problems) {
        List<Map.Entry<Path, RouteDefinition>> tables = new ArrayList<>();
        routes.forEach((file, list) -> list.forEach(route -> {
            if (route.getInput() != null
                    && ROUTING_TABLE.equals(route.getInput().getEndpointUri())) {
                tables.add(Map.entry(file, route));
            }
        }));
        if (tables.isEmpty()) {
            Path where = operators.isEmpty()
                    ? Path.of("routes")
                    : operators.iterator().next().getParent();
            problems.add(new Problem(
                    where,
                    0,
                    "no route consumes " + ROUTING_TABLE + ": the routing table (routes/call-routing.camel.yaml)"
                            + " is missing"));
            return;
        }
        if (tables.size() > 1) {
            problems.add(new Problem(
                    tables.get(1).getKey(),
                    tables.get(1).getValue().getLineNumber(),
                    "a second route consumes " + ROUTING_TABLE + " (the first is in "
                            + tables.get(0).getKey() + ")"));
        }
        for (Map.Entry<Path, RouteDefinition> table : tables) {
            Path file = table.getKey();
            for (ProcessorDefinition<?> step : ProcessorDefinitionHelper.filterTypeInOutputs(
                    table.getValue().getOutputs(), ProcessorDefinition.class)) {
                String why = BLOCKING.get(step.getClass());
                if (why == null && step instanceof SendDefinition<?> send) {
                    String uri = send.getEndpointUri();
                    if (uri != null && !uri.startsWith("log:")) {
                        why = "it sends to " + URISupport.sanitizeUri(uri)
                                + " before the webhook is answered: declare a destination for it and name it in"
                                + " channels";
                    }
                }
                if (why == null && step instanceof ToDynamicDefinition dynamic) {
                    why = "it sends to " + URISupport.sanitizeUri(dynamic.getUri())
                            + " before the webhook is answered: declare a destination for it and name it in channels";
                }
                if (why != null) {
                    problems.add(new Problem(
                            file,
                            step.getLineNumber(),
                            "the routing table runs before the webhook is answered: no " + step.getShortName()
                                    + " here (" + why + ")"));
                }
            }
        }
    }

    /**
     * Drops a destination's "does not render" when its template's own file:line already says why: the
     * operator fixes the template, once.
     */
    private static void withoutEchoes(List<Problem> problems) {
        Set<String> templateCauses = new HashSet<>();
        for (Problem problem : problems) {
            int at = problem.reason().indexOf("does not render for sample ");
            if (at == 0) {
                templateCauses.add(problem.reason());
            }
        }
        problems.removeIf(problem -> {
            int at = problem.reason().indexOf("does not render for sample ");
            return at > 0
                    && problem.reason().startsWith("destination '")
                    && templateCauses.contains(problem.reason().substring(at));
        });
    }

    /** The ids of the routes each file defines, parsed only (no checks, no templates): cheap, for start-up. */
    Map<Path, List<String>> routeIds(Map<Path, String> routeFiles) {
        Parsed engine = new Parsed();
        engineFiles().forEach((file, content) -> parse(file, content, engine, new ArrayList<>()));
        Parsed parsed = new Parsed();
        routeFiles.forEach((file, content) -> parse(file, content, parsed, new ArrayList<>()));
        Map<String, RouteTemplateDefinition> templates = templatesById(engine.routeTemplates());
        templates.putAll(templatesById(parsed.routeTemplates()));
        return ids(parsed.routes(), parsed.templated(), templates);
    }

    static Map<Path, List<String>> ids(
            Map<Path, List<RouteDefinition>> routes,
            Map<Path, List<TemplatedRouteDefinition>> templated,
            Map<String, RouteTemplateDefinition> templates) {
        Map<Path, List<String>> ids = new LinkedHashMap<>();
        routes.forEach((file, list) -> ids.put(
                file, new ArrayList<>(list.stream().map(RouteDefinition::getId).toList())));
        templated.forEach((file, list) -> ids.computeIfAbsent(file, f -> new ArrayList<>())
                .addAll(list.stream().map(use -> routeId(use, templates)).toList()));
        return ids;
    }

    static Map<String, RouteTemplateDefinition> templatesById(Map<Path, List<RouteTemplateDefinition>> byFile) {
        Map<String, RouteTemplateDefinition> byId = new LinkedHashMap<>();
        byFile.values().forEach(list -> list.forEach(t -> byId.put(t.getId(), t)));
        return byId;
    }

    /**
     * A templated route's id: its {@code routeId}, or (a destination needs none) its template's route id with
     * the template's parameters put in ({@code "{{channel}}"} → {@code slack}); null when neither says.
     */
    static String routeId(TemplatedRouteDefinition use, Map<String, RouteTemplateDefinition> templates) {
        if (use.getRouteId() != null) {
            return use.getRouteId();
        }
        RouteTemplateDefinition template = templates.get(use.getRouteTemplateRef());
        if (template == null
                || template.getRoute() == null
                || template.getRoute().getId() == null) {
            return null;
        }
        Map<String, String> values = new LinkedHashMap<>();
        template.getTemplateParameters().forEach(p -> {
            if (p.getDefaultValue() != null) {
                values.put(p.getName(), p.getDefaultValue());
            }
        });
        use.getParameters().forEach(p -> values.put(p.getName(), p.getValue()));
        String id = template.getRoute().getId();
        for (Map.Entry<String, String> value : values.entrySet()) {
            id = id.replace("{{" + value.getKey() + "}}", value.getValue());
        }
        return id.contains("{{") ? null : id;
    }

    private static Map<Path, String> engine;

    /**
     * The engine's own route files, in the jar ({@code camel/*.camel.yaml}): checked with the operators' files,
     * which may use their templates and configurations and may not reuse their ids. Named {@code camel/…} in
     * a problem.
     */
    static synchronized Map<Path, String> engineFiles() {
        if (engine == null) {
            Map<Path, String> files = new TreeMap<>();
            try {
                for (org.springframework.core.io.Resource resource :
                        new org.springframework.core.io.support.PathMatchingResourcePatternResolver()
                                .getResources(RoutesLocation.ENGINE)) {
                    files.put(
                            Path.of("camel", resource.getFilename()),
                            new String(resource.getContentAsByteArray(), java.nio.charset.StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the engine's routes from the jar", e);
            }
            engine = Map.copyOf(files);
        }
        return engine;
    }

    /** The files of {@code folder} whose name ends with {@code suffix}, with their contents, by name. */
    static Map<Path, String> read(Path folder, String suffix) {
        Map<Path, String> contents = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return contents;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(suffix))
                    .toList()) {
                contents.put(file, Files.readString(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return contents;
    }

    private void parse(Path file, String content, Parsed parsed, List<Problem> problems) {
        try {
            Resource resource = ResourceHelper.fromString(file.toString(), content);
            Collection<RoutesBuilder> builders =
                    PluginHelper.getRoutesLoader(camel).findRoutesBuilders(List.of(resource));
            List<RouteDefinition> fileRoutes = new ArrayList<>();
            List<RouteConfigurationDefinition> fileConfigurations = new ArrayList<>();
            List<RouteTemplateDefinition> fileTemplates = new ArrayList<>();
            List<TemplatedRouteDefinition> fileTemplated = new ArrayList<>();
            for (RoutesBuilder builder : builders) {
                if (builder instanceof RouteConfigurationBuilder yaml) {
                    fileRoutes.addAll(yaml.configureRoutes(camel).getRoutes());
                    fileTemplates.addAll(yaml.getRouteTemplateCollection().getRouteTemplates());
                    fileTemplated.addAll(yaml.getTemplatedRouteCollection().getTemplatedRoutes());
                    yaml.configuration();
                    fileConfigurations.addAll(
                            yaml.getRouteConfigurationCollection().getRouteConfigurations());
                }
            }
            parsed.routes().put(file, fileRoutes);
            parsed.configurations().put(file, fileConfigurations);
            parsed.routeTemplates().put(file, fileTemplates);
            parsed.templated().put(file, fileTemplated);
        } catch (Exception e) {
            problems.add(new Problem(file, lineOf(e), describe(e)));
        }
    }

    private static void checkIds(
            Map<Path, List<RouteDefinition>> routes,
            Map<Path, List<TemplatedRouteDefinition>> templated,
            Map<Path, List<RouteTemplateDefinition>> routeTemplates,
            Map<Path, String> contents,
            Map<Path, List<RouteConfigurationDefinition>> configurations,
            Set<Path> engine,
            Map<String, RouteTemplateDefinition> templates,
            List<Problem> problems) {
        Map<String, Path> seen = new LinkedHashMap<>();
        routes.forEach((file, list) -> {
            for (RouteDefinition route : list) {
                if (!route.hasCustomIdAssigned()) {
                    problems.add(new Problem(file, route.getLineNumber(), "route without an explicit id"));
                } else if (seen.putIfAbsent(route.getId(), file) != null) {
                    problems.add(
                            new Problem(file, route.getLineNumber(), reused("route id", route.getId(), seen, engine)));
                }
            }
        });
        templated.forEach((file, list) -> {
            for (int index = 0; index < list.size(); index++) {
                TemplatedRouteDefinition use = list.get(index);
                String id = routeId(use, templates);
                int line = DestinationCheck.lineOf(contents.get(file), index);
                if (id == null && templates.containsKey(use.getRouteTemplateRef())) {
                    // (a template that does not exist is said where the destinations are checked)
                    problems.add(new Problem(
                            file, line, "templated route of '" + use.getRouteTemplateRef() + "' without a routeId"));
                } else if (id != null && seen.putIfAbsent(id, file) != null) {
                    problems.add(new Problem(file, line, reused("route id", id, seen, engine)));
                }
            }
        });
        routeTemplates.forEach((file, list) -> {
            for (RouteTemplateDefinition template : list) {
                if (template.getId() != null && seen.putIfAbsent("template:" + template.getId(), file) != null) {
                    problems.add(new Problem(
                            file,
                            template.getLineNumber(),
                            reused("route template id", "template:" + template.getId(), seen, engine)));
                }
            }
        });
        configurations.forEach((file, list) -> {
            for (RouteConfigurationDefinition configuration : list) {
                if (configuration.getId() != null
                        && seen.putIfAbsent("configuration:" + configuration.getId(), file) != null) {
                    problems.add(new Problem(
                            file,
                            configuration.getLineNumber(),
                            reused("route configuration id", "configuration:" + configuration.getId(), seen, engine)));
                }
            }
        });
    }

    /** Why an id may not be used again: another file has it, or it is one of the engine's own (in the jar). */
    private static String reused(String what, String key, Map<String, Path> seen, Set<Path> engine) {
        String id = key.substring(key.indexOf(':') + 1);
        Path first = seen.get(key);
        if (engine.contains(first)) {
            return what + " '" + id + "' is the engine's own (" + first
                    + " in the jar), which an operator's file may not replace: choose another";
        }
        return what + " '" + id + "' is also used in " + first;
    }

    private void checkRoute(Path file, RouteDefinition route, Set<String> configurationIds, List<Problem> problems) {
        if (route.getRouteConfigurationId() != null) {
            for (String id : route.getRouteConfigurationId().split(",")) {
                if (!configurationIds.contains(id.trim())) {
                    problems.add(new Problem(
                            file,
                            route.getLineNumber(),
                            "route '" + route.getId() + "' uses route configuration '" + id.trim()
                                    + "', which no file defines"));
                }
            }
        }
        checkEndpoint(file, route.getInput().getLineNumber(), route.getInput().getEndpointUri(), problems);
        checkSteps(file, route.getOutputs(), problems);
    }

    private void checkConfiguration(Path file, RouteConfigurationDefinition configuration, List<Problem> problems) {
        for (OnExceptionDefinition onException : configuration.getOnExceptions()) {
            OnWhenDefinition onWhen = onException.getOnWhen();
            if (onWhen != null) {
                checkExpression(file, onException.getLineNumber(), onWhen.getExpression(), true, problems);
            }
            checkSteps(file, onException.getOutputs(), problems);
        }
    }

    private void checkSteps(Path file, List<ProcessorDefinition<?>> steps, List<Problem> problems) {
        for (ToDefinition to : ProcessorDefinitionHelper.filterTypeInOutputs(steps, ToDefinition.class)) {
            checkEndpoint(file, to.getLineNumber(), to.getEndpointUri(), problems);
        }
        checkBeans(file, steps, problems);
    }

    private void checkBeans(Path file, List<ProcessorDefinition<?>> steps, List<Problem> problems) {
        for (BeanDefinition bean : ProcessorDefinitionHelper.filterTypeInOutputs(steps, BeanDefinition.class)) {
            checkBean(file, bean.getLineNumber(), bean.getRef(), problems);
        }
        for (ExpressionNode node : ProcessorDefinitionHelper.filterTypeInOutputs(steps, ExpressionNode.class)) {
            boolean predicate = node instanceof FilterDefinition;
            checkExpression(file, node.getLineNumber(), node.getExpression(), predicate, problems);
        }
        for (WhenDefinition when : ProcessorDefinitionHelper.filterTypeInOutputs(steps, WhenDefinition.class)) {
            checkExpression(file, when.getLineNumber(), when.getExpression(), true, problems);
        }
    }

    private void checkExpression(
            Path file, int line, ExpressionDefinition expression, boolean predicate, List<Problem> problems) {
        if (expression instanceof MethodCallExpression method) {
            checkBean(file, line, method.getRef(), problems);
        } else if (expression != null && "simple".equals(expression.getLanguage())) {
            checkSimple(file, line, expression.getExpression(), predicate, problems);
        }
    }

    /**
     * A simple expression that does not parse (a brace left open, an unknown function) fails at the first
     * message that reaches it: parsed here as the step will parse it (a condition as a predicate).
     */
    private void checkSimple(Path file, int line, String text, boolean predicate, List<Problem> problems) {
        if (text == null || text.contains("{{")) {
            return; // a template's parameter: known only once the template is used
        }
        try {
            if (predicate) {
                camel.resolveLanguage("simple").createPredicate(text);
            } else {
                camel.resolveLanguage("simple").createExpression(text);
            }
        } catch (RuntimeException e) {
            problems.add(new Problem(file, line, "simple expression does not parse: " + describe(e)));
        }
    }

    private void checkBean(Path file, int line, String ref, List<Problem> problems) {
        if (ref != null && camel.getRegistry().lookupByName(resolve(ref)) == null) {
            problems.add(new Problem(file, line, "no bean named '" + ref + "'"));
        }
    }

    private void checkEndpoint(Path file, int line, String uri, List<Problem> problems) {
        checkEndpoint(file, line, uri, true, problems);
    }

    /**
     * Creates the endpoint without registering or starting it: an unknown component or option fails here.
     * Without {@code create}, only the component is looked up (an endpoint that is off may lack its settings).
     */
    private void checkEndpoint(Path file, int line, String uri, boolean create, List<Problem> problems) {
        if (uri == null || uri.contains("${")) {
            return; // dynamic: known only when a message arrives
        }
        try {
            String resolved = resolve(uri);
            String scheme = resolved.substring(0, Math.max(resolved.indexOf(':'), 0));
            Component component = scheme.isEmpty() ? null : camel.getComponent(scheme);
            if (component == null) {
                problems.add(new Problem(
                        file,
                        line,
                        "no Camel component '" + scheme + "' (in " + URISupport.sanitizeUri(uri)
                                + "): add its starter to pom.xml or its jar to lib/"));
                return;
            }
            if (!create) {
                return;
            }
            Endpoint endpoint = component.createEndpoint(resolved);
            if (endpoint == null) {
                problems.add(new Problem(file, line, "cannot create endpoint " + URISupport.sanitizeUri(uri)));
            }
        } catch (Exception e) {
            problems.add(new Problem(file, line, describe(e)));
        }
    }

    private String resolve(String text) {
        return camel.getCamelContextExtension().resolvePropertyPlaceholders(text, true);
    }

    static int lineOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            Matcher matcher = LINE.matcher(String.valueOf(t.getMessage()));
            if (matcher.find()) {
                return Integer.parseInt(matcher.group(1));
            }
        }
        return 0;
    }

    /** The deepest message that says something, on one line, without secrets from endpoint URIs. */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
            message += ": " + root.getMessage();
        }
        return URISupport.sanitizeUri(message.replaceAll("\\s+", " ").strip());
    }
}
