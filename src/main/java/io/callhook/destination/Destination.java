package io.callhook.destination;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.env.Environment;

/**
 * One destination declared in the routes with the {@code channel} route template: where its sends go and
 * how they are made, read from the template's parameters (see {@code routes/channel.camel.yaml}, which
 * describes each).
 *
 * @param url a secret URL (an incoming webhook's): sent as the request's address, never put in an endpoint
 *     URI, masked in every error and log line
 * @param token a secret bearer token, sent as {@code Authorization: Bearer …} and masked likewise
 * @param headers more request headers, from {@code headers: "X-Source=callhook,X-Api-Version=2"}
 * @param secretHeaders the values of {@code headers} that come from a placeholder ({@code X-Api-Key={{env:CRM_KEY}}}):
 *     secrets, masked like the url and the token
 * @param perSecond at most this many sends a second to its address, shared with every destination posting
 *     there; 0: unpaced
 */
public record Destination(
        String name,
        String routeId,
        String uri,
        String url,
        String token,
        Format format,
        String template,
        String subject,
        String contentType,
        Map<String, String> headers,
        List<String> secretHeaders,
        List<String> requires,
        int perSecond) {

    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    /** A setting named in a placeholder: {@code {{callhook.slack.webhook-url:}}}, {@code {{env:CRM_URL:}}}. */
    private static final Pattern SETTING = Pattern.compile("\\{\\{(?:env:)?([^:}]+)(?::[^}]*)?}}");

    /** The endpoint a destination that names none posts to, at the address in its {@code url}. */
    static final String DEFAULT_URI = "http:destination";

    /** How a destination's message is made from the event. */
    public enum Format {
        /** Slack Block Kit JSON from the template; values escaped for mrkdwn and JSON; fitted to Slack's limits. */
        SLACK,
        /** JSON from the template (an Adaptive Card, a CRM's request); values escaped for JSON strings. */
        JSON,
        /** Plain text from the template; values as sent. */
        TEXT,
        /** An email: subject, plain-text and HTML parts from templates, sent through a mail endpoint. */
        EMAIL,
        /** The event exactly as the platform sent it. */
        PAYLOAD
    }

    /**
     * Reads a destination from its template parameters, placeholders already resolved by {@code resolve}.
     * {@code slackInterval} paces a Slack destination that sets no pace of its own. A destination that names no
     * {@code requires} requires the settings its {@code url} and {@code token} name.
     */
    public static Destination of(
            String routeId, Map<String, Object> parameters, UnaryOperator<String> resolve, Duration slackInterval) {
        String name = text(parameters, "channel", resolve);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("destination " + routeId + " has no channel name");
        }
        Format format = format(text(parameters, "format", resolve), name);
        String pace = text(parameters, "pace", resolve);
        int perSecond = 0;
        if (!pace.isEmpty()) {
            perSecond = pace(pace, name);
        } else if (format == Format.SLACK) {
            // an incoming webhook takes about one message a second
            perSecond = (int) Math.max(1, 1000 / Math.max(1, slackInterval.toMillis()));
        }
        String uri = text(parameters, "uri", resolve);
        List<String> secretHeaders = new java.util.ArrayList<>();
        Map<String, String> headers = headers(raw(parameters, "headers"), resolve, name, secretHeaders);
        List<String> requires = Arrays.stream(
                        text(parameters, "requires", resolve).split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        if (requires.isEmpty()) {
            requires = named(raw(parameters, "url") + raw(parameters, "token"));
        }
        return new Destination(
                name,
                routeId,
                uri.isEmpty() ? DEFAULT_URI : uri,
                text(parameters, "url", resolve),
                text(parameters, "token", resolve),
                format,
                text(parameters, "template", resolve),
                text(parameters, "subject", resolve),
                text(parameters, "contentType", resolve),
                headers,
                List.copyOf(secretHeaders),
                requires,
                perSecond);
    }

    /** The settings the placeholders of this text name, in order. */
    static List<String> named(String text) {
        List<String> settings = new java.util.ArrayList<>();
        java.util.regex.Matcher matcher = SETTING.matcher(text);
        while (matcher.find()) {
            settings.add(matcher.group(1).trim());
        }
        return List.copyOf(settings);
    }

    /** The same destination with its message made from {@code name} (a template expression already resolved). */
    public Destination withTemplate(String name) {
        return new Destination(
                this.name,
                routeId,
                uri,
                url,
                token,
                format,
                name,
                subject,
                contentType,
                headers,
                secretHeaders,
                requires,
                perSecond);
    }

    /** Where its sends go: its url, or its endpoint. Destinations on one address share a pace and its pauses. */
    public String address() {
        return url.isEmpty() ? uri : url;
    }

    /**
     * The values that must never be shown: the url, the token and every header value given by a placeholder,
     * whatever their length.
     */
    public List<String> secrets() {
        List<String> secrets = new java.util.ArrayList<>();
        for (String value : List.of(url, token)) {
            if (!value.isEmpty()) {
                secrets.add(value);
            }
        }
        secretHeaders.stream().filter(value -> !value.isEmpty()).forEach(secrets::add);
        return secrets;
    }

    /** Why this destination cannot send now (a setting it requires is not set), or empty when it can. */
    public Optional<String> offReason(Environment environment) {
        for (String setting : requires) {
            String value = environment.getProperty(setting);
            if (value == null || value.isBlank()) {
                return Optional.of(name + " is off: " + setting + environmentName(setting) + " is not set");
            }
        }
        if (DEFAULT_URI.equals(uri) && url.isBlank()) {
            return Optional.of(name + " is off: it has no url");
        }
        return Optional.empty();
    }

    /** {@code callhook.mail.host} is set as {@code CALLHOOK_MAIL_HOST} too: say so. */
    private static String environmentName(String setting) {
        if (!setting.contains(".")) {
            return "";
        }
        return " (" + setting.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') + ")";
    }

    private static Format format(String value, String name) {
        if (value.isEmpty()) {
            return Format.JSON;
        }
        try {
            return Format.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("destination " + name + ": format must be one of "
                    + Arrays.stream(Format.values())
                            .map(f -> f.name().toLowerCase(Locale.ROOT))
                            .toList()
                    + ", not '" + value + "'");
        }
    }

    /**
     * {@code 1/1s}: one send a second; {@code 120/1m}: two a second. Paced per second (Camel's throttle over
     * one-second periods, shared by address): a pace slower than one a second is refused.
     */
    private static int pace(String pace, String name) {
        String[] parts = pace.split("/");
        long sends;
        Duration per;
        try {
            if (parts.length != 2) {
                throw new IllegalArgumentException();
            }
            sends = Long.parseLong(parts[0].trim());
            per = DurationStyle.detectAndParse(parts[1].trim());
            if (sends < 1 || per.isNegative() || per.isZero()) {
                throw new IllegalArgumentException();
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "destination " + name + ": pace must read like 1/1s (sends per interval), not '" + pace + "'");
        }
        double perSecond = sends * 1000.0 / per.toMillis();
        if (perSecond < 1) {
            throw new IllegalArgumentException("destination " + name + ": pace " + pace
                    + " is slower than one send a second, which is the slowest callhook paces (1/1s)");
        }
        return (int) Math.floor(perSecond);
    }

    /**
     * {@code Name=value} pairs, comma-separated; a name is an HTTP token, a value one line. Each value is
     * resolved on its own; one that names a placeholder is added to {@code secrets} too.
     */
    private static Map<String, String> headers(
            String list, UnaryOperator<String> resolve, String name, List<String> secrets) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String pair : list.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String header = equals < 0 ? "" : pair.substring(0, equals).trim();
            String given = equals < 0 ? "" : pair.substring(equals + 1).trim();
            String value = resolve.apply(given).trim();
            if (given.contains("{{")) {
                secrets.add(value);
            }
            if (!HEADER_NAME.matcher(header).matches() || value.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("destination " + name
                        + ": headers must read like X-Source=callhook,X-Api-Version=2, not '" + pair.trim() + "'");
            }
            headers.put(header, value);
        }
        return Map.copyOf(headers);
    }

    private static String raw(Map<String, Object> parameters, String key) {
        Object value = parameters.get(key);
        return value == null ? "" : value.toString();
    }

    private static String text(Map<String, Object> parameters, String key, UnaryOperator<String> resolve) {
        Object value = parameters.get(key);
        return value == null ? "" : resolve.apply(value.toString()).trim();
    }
}
