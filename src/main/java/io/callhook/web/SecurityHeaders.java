package io.callhook.web;

import java.util.Map;

/**
 * Every answer but the console's is JSON for machines: nothing may be cached, sniffed as HTML, framed or
 * given a referrer. The console's pages may run their own scripts and nothing else.
 */
public final class SecurityHeaders {

    /** Set on every answer of both listeners: the webhook's and the one for health, metrics and admin. */
    public static final Map<String, String> VALUES = Map.of(
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'",
            "Referrer-Policy", "no-referrer",
            "Cache-Control", "no-store");

    /**
     * The console's pages ({@code /console}, its scripts under {@code /webjars}): its own scripts, styles and
     * forms, nothing from anywhere else, no inline script.
     */
    public static final Map<String, String> CONSOLE = Map.of(
            "X-Content-Type-Options",
            "nosniff",
            "X-Frame-Options",
            "DENY",
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
                    + " form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            "Referrer-Policy",
            "no-referrer",
            "Cache-Control",
            "no-store");

    private SecurityHeaders() {}
}
