package io.callhook.call;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * How a message shows a call to the people who read it: times in the operator's zone as people write them
 * ({@code 5 Apr 2026, 14:00 UTC}), and the address of the call's page in the console, when it is known.
 */
public final class Presentation {

    /** UTC, no links: what validate and the checks render with, and what a service without settings shows. */
    public static final Presentation DEFAULT = new Presentation(ZoneId.of("UTC"), "");

    private final String console;
    // made once: every message formats its times with it
    private final DateTimeFormatter time;

    /**
     * @param zone the zone times are shown in
     * @param console the console's address as operators reach it, ending in {@code /console}; empty: no links
     */
    public Presentation(ZoneId zone, String console) {
        this.console = console;
        this.time = DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm zzz", Locale.ENGLISH)
                .withZone(zone);
    }

    /** The console's address, ending in {@code /console}; empty when unset. */
    public String console() {
        return console;
    }

    /** {@code 5 Apr 2026, 14:00 UTC} (or {@code 5 Apr 2026, 16:00 CEST} in Europe/Paris). */
    public String time(OffsetDateTime time) {
        return this.time.format(time);
    }

    /** The call's page in the console, or empty when the console's address is not set. */
    public String link(String deliveryId) {
        if (console.isEmpty() || deliveryId == null || deliveryId.isEmpty()) {
            return "";
        }
        return console + "/events/"
                + URLEncoder.encode(deliveryId, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
