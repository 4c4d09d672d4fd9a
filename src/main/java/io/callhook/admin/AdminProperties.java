package io.callhook.admin;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The admin API's bearer token; unset turns the admin API off. No default. */
@ConfigurationProperties("callhook.admin")
public record AdminProperties(String token) {

    public boolean enabled() {
        return token != null && !token.isBlank();
    }
}
