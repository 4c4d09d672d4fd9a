package io.callhook.admin;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The admin API's bearer token, also the console's sign-in secret; unset turns both off. No default. A token
 * that could be guessed is refused at start: at least {@link #MIN_LENGTH} characters, no spaces or control
 * characters (e.g. {@code openssl rand -hex 24}).
 *
 * @param token the bearer token of the admin API (and of actuator endpoints other than health) and the
 *     console's sign-in secret, at least 16 characters; unset: both are off
 */
@ConfigurationProperties("callhook.admin")
public record AdminProperties(String token) {

    public static final int MIN_LENGTH = 16;

    public AdminProperties {
        if (token != null && !token.isBlank()) {
            if (token.length() < MIN_LENGTH) {
                throw new IllegalArgumentException("CALLHOOK_ADMIN_TOKEN must be at least " + MIN_LENGTH
                        + " characters (it is " + token.length() + "): make one with openssl rand -hex 24");
            }
            if (token.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                throw new IllegalArgumentException(
                        "CALLHOOK_ADMIN_TOKEN must not contain spaces or control characters");
            }
        }
    }

    public boolean enabled() {
        return token != null && !token.isBlank();
    }
}
