package io.callhook.console;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.callhook.admin.AdminProperties;
import io.callhook.db.DatabaseClock;
import io.callhook.delivery.DeliveryLedger;
import io.callhook.delivery.DeliveryQueue;
import io.callhook.destination.Destination;
import io.callhook.destination.Destinations;
import io.callhook.destination.Messages;
import io.callhook.destination.Templates;
import io.callhook.replay.BulkReplay;
import io.callhook.replay.ReplayFilter;
import io.callhook.retention.RetentionProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import org.apache.camel.CamelContext;
import org.apache.camel.support.DefaultExchange;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The events console: the dashboard, the events and their search, one event with its channels and replay
 * buttons, bulk replay with its count before and its progress after. Pages are rendered here (Thymeleaf,
 * {@code console/templates}); htmx swaps the parts that change, Chart.js draws the dashboard. Behind
 * {@link ConsoleSecurity}.
 */
@Controller
@RequestMapping("/console")
class Console {

    static final String COOKIE = "CALLHOOK_CONSOLE";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");
    private static final List<String> STATUSES = List.of("PENDING", "SENT", "FAILED", "SKIPPED");
    private static final List<String> OUTCOMES = List.of("successful", "unsuccessful", "unknown");

    private static final Duration DASHBOARD_AGE = Duration.ofSeconds(30);

    private final Map<String, Cached> dashboards = new java.util.concurrent.ConcurrentHashMap<>();
    private final ConsoleQueries queries;
    private final DeliveryLedger ledger;
    private final DeliveryQueue queue;
    private final BulkReplay replays;
    private final DatabaseClock clock;
    private final RetentionProperties retention;
    private final AdminProperties admin;
    private final MeterRegistry metrics;
    private final Destinations destinations;
    private final Messages messages;
    private final Templates templates;
    private final CamelContext camel;

    Console(
            ConsoleQueries queries,
            DeliveryLedger ledger,
            DeliveryQueue queue,
            BulkReplay replays,
            DatabaseClock clock,
            RetentionProperties retention,
            AdminProperties admin,
            MeterRegistry metrics,
            Destinations destinations,
            Messages messages,
            Templates templates,
            CamelContext camel) {
        this.queries = queries;
        this.ledger = ledger;
        this.queue = queue;
        this.replays = replays;
        this.clock = clock;
        this.retention = retention;
        this.admin = admin;
        this.metrics = metrics;
        this.destinations = destinations;
        this.messages = messages;
        this.templates = templates;
        this.camel = camel;
    }

    @GetMapping("/sign-in")
    String signIn(@RequestParam(required = false) String wait, Model model) {
        model.addAttribute("enabled", admin.enabled());
        // a number of seconds, as the throttle wrote it: nothing else from the address is shown
        model.addAttribute("wait", wait != null && wait.matches("[0-9]{1,6}") ? wait : null);
        return "sign-in";
    }

    @GetMapping
    String dashboard(@RequestParam(defaultValue = "24h") String period, Model model) {
        model.addAttribute("period", "7d".equals(period) ? "7d" : "24h");
        model.addAttribute("latency", latency());
        common(model);
        return "dashboard";
    }

    @GetMapping(path = "/dashboard.json", produces = "application/json")
    @ResponseBody
    Map<String, Object> dashboardData(@RequestParam(defaultValue = "24h") String period) {
        String key = "7d".equals(period) ? "7d" : "24h";
        Duration length = key.equals("7d") ? Duration.ofDays(7) : Duration.ofHours(24);
        // the period's sums take a second on a table of millions: counted at most every 30 s, whoever asks
        Cached cached = dashboards.compute(
                key,
                (k, last) -> last != null && !last.stale()
                        ? last
                        : new Cached(System.nanoTime(), queries.dashboard(length, clock.now())));
        Map<String, Object> data = new LinkedHashMap<>(cached.data());
        data.put("latency", latency());
        return data;
    }

    @GetMapping("/events")
    String events(
            @RequestParam Map<String, String> parameters,
            @RequestHeader(name = "HX-Request", required = false) String htmx,
            Model model) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String field : List.of(
                "deliveryId",
                "callId",
                "customer",
                "phone",
                "agent",
                "event",
                "outcome",
                "channel",
                "status",
                "from",
                "to")) {
            String value = parameters.getOrDefault(field, "").trim();
            form.put(field, value.length() > 200 ? value.substring(0, 200) : value);
        }
        model.addAttribute("form", form);
        model.addAttribute("statuses", STATUSES);
        model.addAttribute("outcomes", OUTCOMES);
        common(model);
        ConsoleQueries.Search search;
        try {
            search = search(form, parameters.get("beforeTime"), parameters.get("beforeId"));
        } catch (IllegalArgumentException invalid) {
            model.addAttribute("error", invalid.getMessage());
            model.addAttribute("page", new ConsoleQueries.Page(List.of(), null, null));
            return htmx != null ? "events :: results" : "events";
        }
        ConsoleQueries.Page page = queries.search(search);
        model.addAttribute("page", page);
        if (page.beforeTime() != null) {
            // values as URI variables: encoded strictly ("+" as %2B), not as a template
            UriComponentsBuilder next = UriComponentsBuilder.fromPath("/console/events");
            Map<String, String> values = new LinkedHashMap<>();
            form.forEach((name, value) -> {
                if (!value.isEmpty()) {
                    next.queryParam(name, "{" + name + "}");
                    values.put(name, value);
                }
            });
            next.queryParam("beforeTime", "{beforeTime}").queryParam("beforeId", "{beforeId}");
            values.put("beforeTime", page.beforeTime());
            values.put("beforeId", page.beforeId());
            model.addAttribute("older", next.encode().buildAndExpand(values).toUriString());
        }
        return htmx != null ? "events :: results" : "events";
    }

    @GetMapping("/events/{deliveryId}")
    String event(@PathVariable String deliveryId, Model model) {
        Optional<ConsoleQueries.EventDetail> event = queries.event(deliveryId);
        if (event.isEmpty()) {
            model.addAttribute("missing", deliveryId);
            common(model);
            return "event";
        }
        model.addAttribute("detail", event.get());
        model.addAttribute("attempts", queries.attempts(deliveryId));
        common(model);
        return "event";
    }

    /**
     * What the channel's last attempt sent: rendered again from the event as received and the template that
     * attempt used (an edit of that template since shows here), secrets masked.
     */
    @GetMapping("/events/{deliveryId}/message/{channel}")
    String message(@PathVariable String deliveryId, @PathVariable String channel, Model model) {
        model.addAttribute("channel", channel);
        Optional<Map<String, Object>> event = queue.event(deliveryId);
        Optional<Destination> destination = destinations.get(channel);
        Optional<Optional<String>> attempt = queries.lastAttempt(deliveryId, channel);
        if (event.isEmpty() || destination.isEmpty()) {
            model.addAttribute("problem", "No such event, or no destination named " + channel + " is declared now.");
            return "event :: message";
        }
        if (attempt.isEmpty()) {
            model.addAttribute("problem", "Nothing was sent on " + channel + " for this event.");
            return "event :: message";
        }
        Optional<String> template = attempt.get();
        try {
            DefaultExchange exchange = new DefaultExchange(camel);
            exchange.setProperty("deliveryId", deliveryId);
            Messages.Message message = messages.message(
                    template.map(destination.get()::withTemplate).orElse(destination.get()),
                    templates.location(),
                    messages.callFacts(event.get()),
                    (String) event.get().get("payload"),
                    exchange);
            Map<String, String> headers = new LinkedHashMap<>();
            message.headers().forEach((name, value) -> {
                if (!name.startsWith("Camel") || name.equals("CamelMailAlternativeBody")) {
                    headers.put(
                            name,
                            name.equalsIgnoreCase("Authorization")
                                    ? "Bearer ****"
                                    : destinations.mask(String.valueOf(value)));
                }
            });
            model.addAttribute(
                    "source",
                    template.map(t -> "the event and " + t + " (as the templates read now)")
                            .orElse("the event as received"));
            model.addAttribute("headers", headers);
            model.addAttribute("body", destinations.mask(pretty(message.body())));
        } catch (Exception e) {
            model.addAttribute(
                    "problem", "It cannot be rendered again now: " + destinations.mask(String.valueOf(e.getMessage())));
        }
        return "event :: message";
    }

    private static String pretty(String body) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(body));
        } catch (Exception notJson) {
            return body;
        }
    }

    /** Shown only on request: a transcript is the most personal part of a call. */
    @GetMapping("/events/{deliveryId}/transcript")
    String transcript(@PathVariable String deliveryId, Model model) {
        model.addAttribute("transcript", queries.transcript(deliveryId).orElse(""));
        return "event :: transcript";
    }

    @PostMapping("/events/{deliveryId}/replay")
    String replay(
            @PathVariable String deliveryId,
            @RequestParam(required = false) String channel,
            RedirectAttributes redirect) {
        String only = channel == null || channel.isBlank() ? null : channel;
        List<String> reopened = queries.exists(deliveryId) ? ledger.reopenFailed(deliveryId, only) : List.of();
        if (reopened.isEmpty()) {
            redirect.addFlashAttribute("notice", "Nothing FAILED to replay.");
        } else {
            redirect.addFlashAttribute("notice", "Replaying " + String.join(", ", reopened) + ".");
        }
        return "redirect:"
                + UriComponentsBuilder.fromPath("/console/events/{id}")
                        .buildAndExpand(deliveryId)
                        .encode()
                        .toUriString();
    }

    @GetMapping("/replays")
    String replays(Model model) {
        model.addAttribute("form", Map.of("channel", "", "event", "", "within", "6h"));
        common(model);
        return "replays";
    }

    /**
     * The first step of a bulk replay: how many deliveries the filter matches now, and a button that replays
     * exactly those (the filter's times fixed at this count: what fails after it is not taken).
     */
    @PostMapping("/replays/count")
    String countReplay(@RequestParam Map<String, String> parameters, Model model) {
        common(model);
        Map<String, String> form = replayForm(parameters);
        model.addAttribute("form", form);
        try {
            ReplayFilter filter = filter(form);
            counted(model, filter, replays.count(filter));
        } catch (IllegalArgumentException invalid) {
            model.addAttribute("error", invalid.getMessage());
        }
        return "replays";
    }

    /** The confirmation: replays what was counted, or shows the new count if it changed meanwhile. */
    @PostMapping("/replays")
    String startReplay(@RequestParam Map<String, String> parameters, Model model, RedirectAttributes redirect) {
        Map<String, String> form = replayForm(parameters);
        common(model);
        model.addAttribute("form", form);
        try {
            ReplayFilter filter = new ReplayFilter(
                    name(parameters.get("channel"), "channel"),
                    name(parameters.get("event"), "event type"),
                    instant(parameters.get("since")),
                    instant(parameters.get("until")));
            BulkReplay.Matching now = replays.count(filter);
            if (!String.valueOf(now.deliveries()).equals(parameters.get("expected"))) {
                model.addAttribute("notice", "The count changed since you counted: confirm again.");
                counted(model, filter, now);
                return "replays";
            }
            Optional<BulkReplay.Progress> started = replays.start(filter);
            if (started.isEmpty()) {
                redirect.addFlashAttribute("notice", "No FAILED delivery matches: nothing was replayed.");
                return "redirect:/console/replays";
            }
            return "redirect:/console/replays/" + started.get().id();
        } catch (IllegalArgumentException | BulkReplay.TooMany refused) {
            model.addAttribute("error", refused.getMessage());
            return "replays";
        }
    }

    private static void counted(Model model, ReplayFilter filter, BulkReplay.Matching matching) {
        model.addAttribute("matching", matching);
        model.addAttribute(
                "since",
                filter.since() == null ? "" : filter.since().toInstant().toString());
        model.addAttribute(
                "until",
                filter.until() == null ? "" : filter.until().toInstant().toString());
    }

    private static OffsetDateTime instant(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("The replay's times are broken: count again.");
        }
    }

    @GetMapping("/replays/{replayId}")
    String replayProgress(
            @PathVariable String replayId,
            @RequestHeader(name = "HX-Request", required = false) String htmx,
            Model model) {
        Optional<BulkReplay.Progress> progress = replays.progress(replayId);
        if (progress.isEmpty()) {
            return "redirect:/console/replays";
        }
        model.addAttribute("progress", progress.get());
        common(model);
        return htmx != null ? "replay :: progress" : "replay";
    }

    private Map<String, String> replayForm(Map<String, String> parameters) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String field : List.of("channel", "event", "within")) {
            form.put(field, parameters.getOrDefault(field, "").trim());
        }
        return form;
    }

    private ReplayFilter filter(Map<String, String> form) {
        String channel = name(form.get("channel"), "channel");
        String event = name(form.get("event"), "event type");
        OffsetDateTime since = null;
        if (!form.get("within").isEmpty()) {
            Duration within;
            try {
                within = org.springframework.boot.convert.DurationStyle.detectAndParse(form.get("within"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Failed within must be a duration such as 6h or 30m.");
            }
            if (within.isNegative() || within.isZero()) {
                throw new IllegalArgumentException("Failed within must be positive.");
            }
            since = clock.now().minus(within);
        }
        return new ReplayFilter(channel, event, since, clock.now());
    }

    private static String name(String value, String what) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!NAME.matcher(value).matches()) {
            throw new IllegalArgumentException("The " + what + " is a name such as slack or call.ended.");
        }
        return value;
    }

    private ConsoleQueries.Search search(Map<String, String> form, String beforeTime, String beforeId) {
        String outcome = form.get("outcome");
        if (!outcome.isEmpty() && !OUTCOMES.contains(outcome)) {
            throw new IllegalArgumentException("The outcome is one of " + OUTCOMES + ".");
        }
        String status = form.get("status");
        if (!status.isEmpty() && !STATUSES.contains(status)) {
            throw new IllegalArgumentException("The delivery status is one of " + STATUSES + ".");
        }
        OffsetDateTime before = null;
        if (beforeTime != null && !beforeTime.isBlank()) {
            try {
                before = OffsetDateTime.parse(beforeTime);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("That page link is broken: search again.");
            }
        }
        return new ConsoleQueries.Search(
                blank(form.get("deliveryId")),
                blank(form.get("callId")),
                blank(form.get("customer")),
                blank(form.get("phone")),
                blank(form.get("agent")),
                blank(form.get("event")),
                blank(outcome),
                blank(form.get("channel")),
                blank(status),
                time(form.get("from"), "From"),
                time(form.get("to"), "To"),
                before,
                before == null ? null : blank(beforeId));
    }

    /** A time from the form's datetime-local field, read as UTC like every time the console shows. */
    private static OffsetDateTime time(String value, String what) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return LocalDateTime.parse(value).atOffset(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(value);
            } catch (DateTimeParseException again) {
                throw new IllegalArgumentException(what + " must be a time such as 2026-12-01T14:04 (UTC).");
            }
        }
    }

    private static String blank(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    /** What every page says at its foot: the period the console covers. */
    private void common(Model model) {
        model.addAttribute(
                "retention",
                retention.maxAge().isZero()
                        ? "Events are kept forever (CALLHOOK_RETENTION_MAX_AGE=0)."
                        : "Events are kept " + retention.maxAge().toDays() + " days (CALLHOOK_RETENTION_MAX_AGE).");
        model.addAttribute("oldest", queries.oldest().orElse(null));
        model.addAttribute("version", io.callhook.Version.current());
    }

    /** Intake latency of this instance over the last minutes (Micrometer's window): p50 and p99 in ms. */
    private Map<String, Object> latency() {
        Map<String, Object> latency = new LinkedHashMap<>();
        Timer timer = metrics.find("callhook.intake").tag("status", "200").timer();
        if (timer == null || timer.count() == 0) {
            return latency;
        }
        for (ValueAtPercentile value : timer.takeSnapshot().percentileValues()) {
            double millis = Math.round(value.value(TimeUnit.MILLISECONDS) * 10) / 10.0;
            if (value.percentile() == 0.5) {
                latency.put("p50", millis);
            } else if (value.percentile() == 0.99) {
                latency.put("p99", millis);
            }
        }
        return latency.size() == 2 ? latency : Map.of();
    }

    /** The dashboard's figures for a period, and when they were counted. */
    private record Cached(long at, Map<String, Object> data) {

        boolean stale() {
            return System.nanoTime() - at > DASHBOARD_AGE.toNanos();
        }
    }
}
