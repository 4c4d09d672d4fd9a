package io.callhook.web;

import java.util.Map;

/** Every answer is JSON for machines: nothing may be cached, sniffed as HTML, framed or given a referrer. */
public final class SecurityHeaders {

    /** Set on every answer of both listeners: the webhook's and the one for health, metrics and admin. */
    public static final Map<String, String> VALUES = Map.of(
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'",
            "Referrer-Policy", "no-referrer",
            "Cache-Control", "no-store");

    private SecurityHeaders() {}
}
