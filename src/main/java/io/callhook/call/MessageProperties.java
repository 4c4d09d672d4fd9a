package io.callhook.call;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Locale;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the messages (Slack, Teams, email) need to lead their reader to the call. Checked at start: a setting
 * that cannot be used stops the service with a message naming it, rather than sending broken links.
 *
 * @param consoleUrl the console's address as operators reach it (e.g. {@code https://callhook.example.com:8081}
 *     or a proxy's {@code https://ops.example.com/callhook/console}); each message then links to its call's page
 *     there. Unset: messages carry no link
 * @param timeZone the zone the messages show times in ({@code UTC}, {@code Europe/Paris}, {@code America/New_York})
 */
@ConfigurationProperties("callhook")
public record MessageProperties(
        String consoleUrl, @DefaultValue("UTC") String timeZone) {

    public Presentation presentation() {
        return new Presentation(zone(timeZone), console(consoleUrl));
    }

    public MessageProperties {
        // refused at start, with the setting's name
        zone(timeZone);
        console(consoleUrl);
    }

    static ZoneId zone(String timeZone) {
        try {
            return ZoneId.of(timeZone == null || timeZone.isBlank() ? "UTC" : timeZone.trim());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("CALLHOOK_TIME_ZONE must be a time zone such as UTC, Europe/Paris or"
                    + " America/New_York, not '" + timeZone + "'");
        }
    }

    /** The console's address ending in /console, without a trailing slash; empty when unset. */
    static String console(String consoleUrl) {
        if (consoleUrl == null || consoleUrl.isBlank()) {
            return "";
        }
        String problem = "CALLHOOK_CONSOLE_URL must be the console's http(s) address as operators reach it, such as"
                + " https://callhook.example.com:8081, without a query or credentials";
        URI uri;
        try {
            uri = new URI(consoleUrl.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(problem);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https"))
                || uri.getHost() == null
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null
                || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(problem);
        }
        String address = uri.toString();
        while (address.endsWith("/")) {
            address = address.substring(0, address.length() - 1);
        }
        return address.endsWith("/console") ? address : address + "/console";
    }
}
