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

import org.apache.camel.CamelContext;
import org.apache.camel.Component;
import org.apache.camel.Endpoint;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.BeanDefinition;
import org.apache.camel.model.ExpressionNode;
import org.apache.camel.model.OnExceptionDefinition;
import org.apache.camel.model.OnWhenDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
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

    /** What a folder holds: the parsed routes and route configurations by file, and what is wrong. */
    public record Report(
            Map<Path, List<RouteDefinition>> routes,
            Map<Path, List<RouteConfigurationDefinition>> configurations,
            List<Problem> problems,
            int templates) {

        public boolean ok() {
            return problems.isEmpty();
        }

        /** The ids of the routes each file defines. */
        public Map<Path, List<String>> routeIds() {
            return ids(routes);
        }
    }

    private static final Pattern LINE = Pattern.compile("line (\\d+)");

    private final CamelContext camel;
    private final TemplateCheck templates;

    public RoutesValidator(CamelContext camel, TemplateCheck templates) {
        this.camel = camel;
        this.templates = templates;
    }

    /** Checks every route file and template under {@code dir}. */
    public Report validate(Path dir) {
        if (!Files.isDirectory(dir)) {
            return new Report(Map.of(), Map.of(), List.of(new Problem(dir, 0, "not a folder")), 0);
        }
        return validate(dir, read(dir, ".camel.yaml"));
    }

    /**
     * Checks these contents of the folder's route files (as read once by the caller, who applies exactly
     * what was checked) and the folder's templates.
     */
    Report validate(Path dir, Map<Path, String> routeFiles) {
        List<Problem> problems = new ArrayList<>();
        Map<Path, List<RouteDefinition>> routes = new LinkedHashMap<>();
        Map<Path, List<RouteConfigurationDefinition>> configurations = new LinkedHashMap<>();
        routeFiles.forEach((file, content) -> parse(file, content, routes, configurations, problems));
        checkIds(routes, configurations, problems);
        Set<String> configurationIds = new HashSet<>();
        configurations.values().forEach(list -> list.forEach(c -> configurationIds.add(c.getId())));
        routes.forEach((file, list) -> list.forEach(route -> checkRoute(file, route, configurationIds, problems)));
        configurations.forEach((file, list) -> list.forEach(c -> checkConfiguration(file, c, problems)));
        int rendered = templates.check(dir.resolve("templates"), problems);
        return new Report(routes, configurations, problems, rendered);
    }

    /** The ids of the routes each file defines, parsed only (no checks, no templates): cheap, for start-up. */
    Map<Path, List<String>> routeIds(Map<Path, String> routeFiles) {
        Map<Path, List<RouteDefinition>> routes = new LinkedHashMap<>();
        routeFiles.forEach((file, content) -> parse(file, content, routes, new LinkedHashMap<>(), new ArrayList<>()));
        return ids(routes);
    }

    static Map<Path, List<String>> ids(Map<Path, List<RouteDefinition>> routes) {
        Map<Path, List<String>> ids = new LinkedHashMap<>();
        routes.forEach((file, list) ->
                ids.put(file, list.stream().map(RouteDefinition::getId).toList()));
        return ids;
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

    private void parse(
            Path file,
            String content,
            Map<Path, List<RouteDefinition>> routes,
            Map<Path, List<RouteConfigurationDefinition>> configurations,
            List<Problem> problems) {
        try {
            Resource resource = ResourceHelper.fromString(file.toString(), content);
            Collection<RoutesBuilder> builders =
                    PluginHelper.getRoutesLoader(camel).findRoutesBuilders(List.of(resource));
            List<RouteDefinition> fileRoutes = new ArrayList<>();
            List<RouteConfigurationDefinition> fileConfigurations = new ArrayList<>();
            for (RoutesBuilder builder : builders) {
                if (builder instanceof RouteConfigurationBuilder yaml) {
                    fileRoutes.addAll(yaml.configureRoutes(camel).getRoutes());
                    yaml.configuration();
                    fileConfigurations.addAll(
                            yaml.getRouteConfigurationCollection().getRouteConfigurations());
                }
            }
            routes.put(file, fileRoutes);
            configurations.put(file, fileConfigurations);
        } catch (Exception e) {
            problems.add(new Problem(file, lineOf(e), describe(e)));
        }
    }

    private static void checkIds(
            Map<Path, List<RouteDefinition>> routes,
            Map<Path, List<RouteConfigurationDefinition>> configurations,
            List<Problem> problems) {
        Map<String, Path> seen = new LinkedHashMap<>();
        routes.forEach((file, list) -> {
            for (RouteDefinition route : list) {
                if (!route.hasCustomIdAssigned()) {
                    problems.add(new Problem(file, route.getLineNumber(), "route without an explicit id"));
                } else if (seen.putIfAbsent(route.getId(), file) != null) {
                    problems.add(new Problem(
                            file,
                            route.getLineNumber(),
                            "route id '" + route.getId() + "' is also used in " + seen.get(route.getId())));
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
                            "route configuration id '" + configuration.getId() + "' is also used in "
                                    + seen.get("configuration:" + configuration.getId())));
                }
            }
        });
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
                checkExpression(file, onException.getLineNumber(), onWhen.getExpression(), problems);
            }
            checkSteps(file, onException.getOutputs(), problems);
        }
    }

    private void checkSteps(Path file, List<ProcessorDefinition<?>> steps, List<Problem> problems) {
        for (ToDefinition to : ProcessorDefinitionHelper.filterTypeInOutputs(steps, ToDefinition.class)) {
            checkEndpoint(file, to.getLineNumber(), to.getEndpointUri(), problems);
        }
        for (BeanDefinition bean : ProcessorDefinitionHelper.filterTypeInOutputs(steps, BeanDefinition.class)) {
            checkBean(file, bean.getLineNumber(), bean.getRef(), problems);
        }
        for (ExpressionNode node : ProcessorDefinitionHelper.filterTypeInOutputs(steps, ExpressionNode.class)) {
            checkExpression(file, node.getLineNumber(), node.getExpression(), problems);
        }
    }

    private void checkExpression(Path file, int line, ExpressionDefinition expression, List<Problem> problems) {
        if (expression instanceof MethodCallExpression method) {
            checkBean(file, line, method.getRef(), problems);
        }
    }

    private void checkBean(Path file, int line, String ref, List<Problem> problems) {
        if (ref != null && camel.getRegistry().lookupByName(resolve(ref)) == null) {
            problems.add(new Problem(file, line, "no bean named '" + ref + "'"));
        }
    }

    /** Creates the endpoint without registering or starting it: an unknown component or option fails here. */
    private void checkEndpoint(Path file, int line, String uri, List<Problem> problems) {
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
