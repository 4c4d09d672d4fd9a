package io.callhook.admin;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callhook.db.DatabaseClock;
import io.callhook.replay.BulkReplay;
import io.callhook.replay.ReplayFilter;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Bulk replay: {@code POST /api/replays} with a filter ({@code channel}, {@code event}, {@code within} or
 * {@code since}, {@code until}) reopens the FAILED deliveries it matches; {@code "dryRun": true} only counts
 * them. {@code GET /api/replays/{id}} shows where the reopened deliveries stand. Behind {@link AdminSecurity}.
 */
@RestController
@RequestMapping(path = "/api/replays", produces = "application/json")
class ReplaysApi {

    private static final Set<String> FIELDS = Set.of("channel", "event", "within", "since", "until", "dryRun");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

    private final BulkReplay replays;
    private final DatabaseClock clock;
    private final ObjectMapper json;

    ReplaysApi(BulkReplay replays, DatabaseClock clock, ObjectMapper json) {
        this.replays = replays;
        this.clock = clock;
        this.json = json;
    }

    @PostMapping(consumes = "application/json")
    ResponseEntity<?> replay(@RequestBody String body) {
        JsonNode request;
        try {
            request = json.readTree(body);
        } catch (java.io.IOException e) {
            return error(HttpStatus.BAD_REQUEST, "the body is not JSON");
        }
        if (request == null || !request.isObject()) {
            return error(
                    HttpStatus.BAD_REQUEST,
                    "the body must be a JSON object, e.g. {\"channel\":\"slack\",\"within\":\"6h\"}");
        }
        for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                return error(HttpStatus.BAD_REQUEST, "unknown field (the fields are " + FIELDS + ")");
            }
        }
        ReplayFilter filter;
        try {
            filter = filter(request);
        } catch (IllegalArgumentException invalid) {
            return error(HttpStatus.BAD_REQUEST, invalid.getMessage());
        }
        if (request.has("dryRun") && !request.get("dryRun").isBoolean()) {
            return error(HttpStatus.BAD_REQUEST, "dryRun must be true or false");
        }
        if (request.path("dryRun").asBoolean(false)) {
            BulkReplay.Matching matching = replays.count(filter);
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("dryRun", true);
            answer.put("filter", readTree(filter.json()));
            answer.put("deliveries", matching.deliveries());
            answer.put("events", matching.events());
            return ResponseEntity.ok(answer);
        }
        try {
            return replays.start(filter)
                    .<ResponseEntity<?>>map(progress -> ResponseEntity.accepted()
                            .header("Location", "/api/replays/" + progress.id())
                            .body(progress(progress)))
                    .orElseGet(() -> error(HttpStatus.CONFLICT, "no FAILED delivery matches the filter"));
        } catch (BulkReplay.TooMany tooMany) {
            return error(HttpStatus.UNPROCESSABLE_ENTITY, tooMany.getMessage());
        }
    }

    @GetMapping("/{replayId}")
    ResponseEntity<?> progress(@PathVariable String replayId) {
        return replays.progress(replayId)
                .<ResponseEntity<?>>map(progress -> ResponseEntity.ok(progress(progress)))
                .orElseGet(() -> error(HttpStatus.NOT_FOUND, "no replay with this id"));
    }

    private ReplayFilter filter(JsonNode request) {
        String channel = name(request, "channel");
        String event = name(request, "event");
        OffsetDateTime until = time(request, "until");
        OffsetDateTime since = time(request, "since");
        if (request.has("within")) {
            if (!request.get("within").isTextual()) {
                throw new IllegalArgumentException("within must be a duration such as \"6h\", \"30m\" or \"PT6H\"");
            }
            if (since != null) {
                throw new IllegalArgumentException("give since or within, not both");
            }
            Duration within;
            try {
                within = DurationStyle.detectAndParse(request.get("within").asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("within must be a duration such as 6h, 30m or PT6H");
            }
            if (within.isNegative() || within.isZero()) {
                throw new IllegalArgumentException("within must be positive");
            }
            since = clock.now().minus(within);
        }
        if (since != null && until != null && !since.isBefore(until)) {
            throw new IllegalArgumentException("since must be before until");
        }
        return new ReplayFilter(channel, event, since, until);
    }

    private static String name(JsonNode request, String field) {
        if (!request.has(field)) {
            return null;
        }
        String value = request.get(field).asText();
        if (!request.get(field).isTextual() || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be a name such as slack or call.ended");
        }
        return value;
    }

    private static OffsetDateTime time(JsonNode request, String field) {
        if (!request.has(field)) {
            return null;
        }
        try {
            return OffsetDateTime.parse(request.get(field).asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + " must be an ISO 8601 time such as 2026-12-01T08:00:00Z");
        }
    }

    private Map<String, Object> progress(BulkReplay.Progress progress) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", progress.id());
        answer.put("createdAt", progress.createdAt());
        answer.put("filter", readTree(progress.filter()));
        answer.put("total", progress.total());
        answer.put("pending", progress.pending());
        answer.put("sent", progress.sent());
        answer.put("failed", progress.failed());
        answer.put("skipped", progress.skipped());
        answer.put("done", progress.done());
        return answer;
    }

    private JsonNode readTree(String text) {
        try {
            return json.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ResponseEntity<Map<String, String>> error(HttpStatus status, String message) {
        return ResponseEntity.status(status).body(Map.of("error", message));
    }
}
