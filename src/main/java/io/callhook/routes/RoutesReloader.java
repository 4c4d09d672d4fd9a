package io.callhook.routes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.callhook.routes.RoutesValidator.Report;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.RouteConfigurationsBuilder;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import static io.callhook.routes.RoutesValidator.read;

/**
 * Applies edits of the routes folder while the service runs, and only edits that are whole: every few
 * seconds the folder is compared with what is running; a changed set that stayed the same for one look (so
 * no file is caught half-written) is first validated as a start would
 * check it, and a set with any problem is rejected (the running routes stay, the log names file, line and
 * reason). A valid set replaces the routes of the changed files, adds new files' routes, removes deleted
 * files' routes (and their HTTP paths); if applying still fails, the previous files are put back.
 *
 * <p>Camel's own reload is not used: in 4.17 one failing file removes every route. Templates need no
 * reload: routes read them at each use. Only the operators' files are watched: the engine's routes are in the
 * jar. A destination's deliveries wait in the database: its replaced route gives back what it had claimed and
 * not sent, and the new route takes it.
 */
@Component
class RoutesReloader {

    private static final Logger log = LoggerFactory.getLogger(RoutesReloader.class);

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(2);

    private final CamelContext camel;
    private final RoutesValidator validator;
    private final Path dir;
    private final Duration interval;
    private ScheduledExecutorService poller;

    /** What runs: file → content, and the route ids each file defined. */
    private Map<Path, String> applied = Map.of();

    private Map<Path, List<String>> appliedRouteIds = Map.of();
    private Map<Path, String> lastRejected = Map.of();
    private Map<Path, String> lastTemplates = Map.of();

    /** What the previous look saw: an edit is acted on once the folder stayed the same for one interval. */
    private Map<Path, String> seen = Map.of();

    private Map<Path, String> seenTemplates = Map.of();

    RoutesReloader(
            CamelContext camel,
            RoutesValidator validator,
            @Value("${callhook.routes.location:}") String location,
            @Value("${callhook.routes.reload-interval:2s}") Duration interval) {
        this.camel = camel;
        this.validator = validator;
        // only a folder on disk can be edited; the copy inside the jar cannot
        this.dir = location.startsWith("file:") ? Path.of(location.substring("file:".length())) : null;
        this.interval = interval;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (dir == null || interval.isZero() || interval.isNegative()) {
            return;
        }
        applied = read(dir, ".camel.yaml");
        appliedRouteIds = validator.routeIds(applied);
        lastTemplates = read(dir.resolve("templates"), ".ftl");
        seen = applied;
        seenTemplates = lastTemplates;
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "routes-reloader");
            thread.setDaemon(true);
            return thread;
        });
        poller.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        log.info("Watching {} for route and template edits every {} ms", dir, interval.toMillis());
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }

    /** One look at the folder. Package-visible so a test can call it instead of waiting. */
    synchronized void poll() {
        try {
            Map<Path, String> current = read(dir, ".camel.yaml");
            Map<Path, String> templates = read(dir.resolve("templates"), ".ftl");
            boolean settled = current.equals(seen) && templates.equals(seenTemplates);
            seen = current;
            seenTemplates = templates;
            if (!settled) {
                // an editor (or a copy) may be half-way through writing: a truncated file must not be applied
                return;
            }
            boolean routesChanged = !current.equals(applied) && !current.equals(lastRejected);
            boolean templatesChanged = !templates.equals(lastTemplates);
            if (!routesChanged && !templatesChanged) {
                return;
            }
            lastTemplates = templates;
            Report report = validator.validate(dir, current);
            if (!routesChanged) {
                // templates are live as soon as they are saved: say at once when one no longer renders
                report.problems().forEach(problem -> log.warn("Template edit: {}", problem));
                if (report.ok()) {
                    log.info("Template edit in {} renders with every sample", dir.resolve("templates"));
                }
                return;
            }
            if (!report.ok()) {
                lastRejected = current;
                report.problems().forEach(problem -> log.error("Rejected route edit: {}", problem));
                log.error(
                        "Rejected the edit of {} ({} problem(s)): the running routes are unchanged",
                        dir,
                        report.problems().size());
                return;
            }
            apply(current, report);
        } catch (RuntimeException e) {
            log.error("Could not check {} for edits: {}", dir, e.toString());
        }
    }

    private void apply(Map<Path, String> current, Report report) {
        Map<Path, List<String>> newIds = report.routeIds();
        Set<Path> changed = new HashSet<>();
        current.forEach((file, content) -> {
            if (!content.equals(applied.get(file))) {
                changed.add(file);
            }
        });
        Set<Path> deleted = new HashSet<>(applied.keySet());
        deleted.removeAll(current.keySet());
        boolean sharedChanged = changed.stream()
                        .anyMatch(f -> !report.configurations().get(f).isEmpty()
                                || !report.routeTemplates().get(f).isEmpty())
                || deleted.stream()
                        .anyMatch(f -> applied.get(f).contains("routeConfiguration")
                                || applied.get(f).contains("routeTemplate"));
        if (sharedChanged) {
            // every route is built with its route configuration, every destination from its template: rebuild all
            changed.addAll(current.keySet());
        }

        List<String> replaced = new ArrayList<>();
        for (Path file : new TreeMap<>(applied).keySet()) {
            if (changed.contains(file) || deleted.contains(file)) {
                replaced.addAll(appliedRouteIds.getOrDefault(file, List.of()));
            }
        }
        List<String> removed = new ArrayList<>(replaced);
        newIds.values().forEach(removed::removeAll);
        try {
            removeRoutes(replaced);
            Set<String> updated = load(resources(current, changed));
            applied = current;
            appliedRouteIds = newIds;
            lastRejected = Map.of();
            log.info(
                    "Applied the edit of {}: {} file(s) reloaded, routes {} (re)started, routes {} removed",
                    dir,
                    changed.size(),
                    updated,
                    removed);
        } catch (Exception e) {
            log.error(
                    "Applying the edit of {} failed, putting the previous routes back (save a file again to retry): {}",
                    dir,
                    RoutesValidator.describe(e));
            restore(changed, deleted, newIds);
            lastRejected = current;
        }
    }

    private void restore(Set<Path> changed, Set<Path> deleted, Map<Path, List<String>> newIds) {
        Set<Path> previous = new HashSet<>(changed);
        previous.addAll(deleted);
        previous.retainAll(applied.keySet());
        try {
            // whatever of the edit got started, and whatever of the previous routes is still there
            List<String> partlyApplied = new ArrayList<>();
            changed.forEach(file -> partlyApplied.addAll(newIds.getOrDefault(file, List.of())));
            previous.forEach(file -> partlyApplied.addAll(appliedRouteIds.getOrDefault(file, List.of())));
            removeRoutes(partlyApplied);
            load(resources(applied, previous));
        } catch (Exception e) {
            log.error("Could not put the previous routes back: {}. Restart the service.", RoutesValidator.describe(e));
        }
    }

    /**
     * Stops and removes the routes. Each stop is bounded to seconds: a destination's send in flight finishes,
     * or, cut short at the bound, gives its claim back (a post already answered is recorded first, see
     * Verdicts); what it had claimed and not sent is given back too. Removing the routes here rather than in
     * Camel's updateRoutes avoids a second stop that would wait out Camel's 45 s shutdown timeout.
     */
    private void removeRoutes(List<String> ids) throws Exception {
        for (String id : ids) {
            if (camel.getRoute(id) != null) {
                camel.getRouteController().stopRoute(id, STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS, false);
            }
        }
        for (String id : ids) {
            if (camel.getRoute(id) != null) {
                camel.removeRoute(id);
            }
        }
    }

    /**
     * Loads the files' route configurations, route templates and routes, replacing those of the same ids,
     * then creates their templated routes: Camel's own updateRoutes leaves templated routes out (a
     * destination file would be read and never started). Returns the ids of the routes started.
     */
    private Set<String> load(List<Resource> resources) throws Exception {
        Collection<RoutesBuilder> builders = PluginHelper.getRoutesLoader(camel).findRoutesBuilders(resources);
        for (RoutesBuilder builder : builders) {
            if (builder instanceof RouteConfigurationsBuilder configurations) {
                configurations.updateRouteConfigurationsToCamelContext(camel);
            }
        }
        Set<String> started = new LinkedHashSet<>();
        for (RoutesBuilder builder : builders) {
            started.addAll(builder.updateRoutesToCamelContext(camel));
        }
        // after every builder's templates are in: a destination's file may come before its template's
        Set<String> before = ids(camel.getRoutes());
        for (RoutesBuilder builder : builders) {
            builder.addTemplatedRoutesToCamelContext(camel);
        }
        Set<String> templated = ids(camel.getRoutes());
        templated.removeAll(before);
        started.addAll(templated);
        return started;
    }

    private static Set<String> ids(List<Route> routes) {
        Set<String> ids = new LinkedHashSet<>();
        routes.forEach(route -> ids.add(route.getRouteId()));
        return ids;
    }

    private static List<Resource> resources(Map<Path, String> contents, Set<Path> files) {
        List<Resource> resources = new ArrayList<>();
        new TreeMap<>(contents).forEach((file, content) -> {
            if (files.contains(file)) {
                resources.add(ResourceHelper.fromString("file:" + file, content));
            }
        });
        return resources;
    }
}
