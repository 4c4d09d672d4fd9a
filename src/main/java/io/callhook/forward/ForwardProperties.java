package io.callhook.forward;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The generic HTTP forward (to a CRM, say): the URL events are POSTed to, and an optional bearer token
 * for it. Unset URL means off. Keep credentials in the token, not in the URL: URLs appear in errors.
 */
@ConfigurationProperties("callhook.forward")
public record ForwardProperties(String url, String token) {

    boolean enabled() {
        return url != null && !url.isBlank();
    }
}
