package io.callhook.destination;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.callhook.delivery.DeliveriesEndpoint;
import io.callhook.delivery.Secrets;
import io.callhook.delivery.Senders;
import io.callhook.mail.MailProperties;
import io.callhook.slack.SlackProperties;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The destinations the routes declare: every route made from the {@code channel} template (in the jar,
 * {@code camel/channel.camel.yaml}) is one, named by its {@code channel} parameter. Read from the running
 * routes, so a destination added, changed or removed by a live edit is known at the next event.
 */
@Component("destinations")
public class Destinations implements Senders, Secrets {

    /** The route template a destination is made from. */
    public static final String TEMPLATE = "channel";

    private static final Logger log = LoggerFactory.getLogger(Destinations.class);
    // settings that hold secrets outside any destination: masked in errors too
    private static final List<String> SECRET_SETTINGS = List.of(
            "callhook.mail.password", "callhook.admin.token", "callhook.webhook.secret", "callhook.forward.token");

    private final CamelContext camel;
    private final Environment environment;
    private final SlackProperties slack;
    private final MailProperties mail;
    private volatile Known known = new Known(-1, List.of(), Map.of(), Map.of());
    /** Counts the routes added and removed (a start, a live edit): what known() was built from is still true. */
    private final AtomicLong routeChanges = new AtomicLong();

    public Destinations(CamelContext camel, Environment environment, SlackProperties slack, MailProperties mail) {
        this.camel = camel;
        this.environment = environment;
        this.slack = slack;
        this.mail = mail;
        // every send and every event asks; copying the context's route list each time to compare was a tenth
        // of the senders' allocation (bench/profile.sh)
        camel.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onRoutesAdd(Collection<Route> routes) {
                routeChanges.incrementAndGet();
            }

            @Override
            public void onRoutesRemove(Collection<Route> routes) {
                routeChanges.incrementAndGet();
            }
        });
    }

    /**
     * The destinations, as the routes running now declare them, and why
     * each one is off. The settings do not change while the service runs: an off reason is looked up once
     * per edit of the routes, not per event (looking settings up in Spring's environment for each of an
     * event's channels took a tenth of the CPU at saturation, JFR).
     */
    private record Known(
            long generation,
            List<Route> basis,
            Map<String, Destination> byName,
            Map<String, Optional<String>> offReasons) {}

    /** The declared destinations' names, in the order the routes were added. */
    @Override
    public Set<String> names() {
        return known().byName().keySet();
    }

    public Optional<Destination> get(String name) {
        return Optional.ofNullable(known().byName().get(name));
    }

    @Override
    public Optional<Sender> sender(String channel) {
        Destination destination = known().byName().get(channel);
        if (destination == null) {
            return Optional.empty();
        }
        return Optional.of(new Sender(
                offReason(channel).orElse(null),
                destination.address(),
                destination.perSecond(),
                destination.format() == Destination.Format.PAYLOAD,
                destination.format() == Destination.Format.EMAIL && mail.includeTranscript()));
    }

    /** Why the named destination cannot send this event, or empty when it can. */
    public Optional<String> offReason(String name) {
        Optional<String> reason = known().offReasons().get(name);
        return reason != null ? reason : Optional.of("no destination named '" + name + "' is declared in the routes");
    }

    /** Says once, at start, which destinations are off and why: their deliveries are recorded SKIPPED. */
    @EventListener(ApplicationReadyEvent.class)
    void reportOff() {
        for (String name : names()) {
            offReason(name)
                    .ifPresent(reason -> log.info("Destination {}; its deliveries are recorded SKIPPED", reason));
        }
    }

    /** The text with every secret of the destinations and of the service replaced by {@code ****}. */
    @Override
    public String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = text;
        for (String secret : secrets()) {
            masked = masked.replace(secret, "****");
        }
        return masked;
    }

    private Set<String> secrets() {
        Set<String> secrets = new LinkedHashSet<>();
        for (Destination destination : known().byName().values()) {
            secrets.addAll(destination.secrets());
        }
        SECRET_SETTINGS.forEach(setting -> secrets.add(environment.getProperty(setting, "")));
        // whatever its length: a short secret is still one (masking a short one may mask an ordinary word too)
        secrets.removeIf(String::isEmpty);
        // the longest first, so that a secret inside another is not masked half
        List<String> longestFirst = new ArrayList<>(secrets);
        longestFirst.sort(java.util.Comparator.comparingInt(String::length).reversed());
        return new LinkedHashSet<>(longestFirst);
    }

    private Known known() {
        Known current = known;
        long generation = routeChanges.get();
        // the size too: a change counted a moment before the context's list shows it
        if (current.generation() == generation
                && camel.getRoutesSize() == current.basis().size()) {
            return current;
        }
        List<Route> routes = camel.getRoutes();
        if (sameRoutes(routes, current.basis())) {
            known = new Known(generation, current.basis(), current.byName(), current.offReasons());
            return known;
        }
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
        Map<String, Destination> byName = new LinkedHashMap<>();
        for (Route route : routes) {
            RouteDefinition definition = model.getRouteDefinition(route.getRouteId());
            // a route made from the channel template: the only template whose parameters name a channel
            if (!route.isCreatedByRouteTemplate()
                    || definition == null
                    || definition.getTemplateParameters() == null
                    || !definition.getTemplateParameters().containsKey("channel")) {
                continue;
            }
            try {
                Destination destination =
                        Destination.of(route.getRouteId(), parameters(definition), this::resolve, slack.minInterval());
                if (!(route.getEndpoint() instanceof DeliveriesEndpoint)) {
                    throw new IllegalStateException("its route does not take deliveries (deliveries:)");
                }
                byName.put(destination.name(), destination);
            } catch (RuntimeException e) {
                log.error("Route {} is not a usable destination: {}", route.getRouteId(), e.getMessage());
            }
        }
        Map<String, Optional<String>> offReasons = new LinkedHashMap<>();
        byName.forEach((name, destination) -> offReasons.put(name, destination.offReason(environment)));
        Known rebuilt = new Known(generation, new ArrayList<>(routes), byName, offReasons);
        known = rebuilt;
        return rebuilt;
    }

    /** The template's defaults, overridden by what the templated route gives. */
    public static Map<String, Object> parameters(RouteDefinition definition) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        if (definition != null) {
            if (definition.getTemplateDefaultParameters() != null) {
                parameters.putAll(definition.getTemplateDefaultParameters());
            }
            if (definition.getTemplateParameters() != null) {
                parameters.putAll(definition.getTemplateParameters());
            }
        }
        return parameters;
    }

    private String resolve(String value) {
        return value.contains("{{") ? camel.getCamelContextExtension().resolvePropertyPlaceholders(value, true) : value;
    }

    private static boolean sameRoutes(List<Route> routes, List<Route> basis) {
        if (routes.size() != basis.size()) {
            return false;
        }
        for (int i = 0; i < routes.size(); i++) {
            if (routes.get(i) != basis.get(i)) {
                return false;
            }
        }
        return true;
    }
}
