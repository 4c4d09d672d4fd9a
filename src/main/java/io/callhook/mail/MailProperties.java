package io.callhook.mail;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The SMTP server and addresses of the summary email. Unset host means email is off.
 *
 * @param host the SMTP server; unset: email is off
 * @param port the SMTP port
 * @param username the SMTP login (none when unset)
 * @param password the SMTP password (a secret: never logged)
 * @param starttls require STARTTLS
 * @param from the sender address (required when the host is set)
 * @param to the recipients, comma-separated (required when the host is set)
 * @param timeout connect, read and write timeout of each SMTP step
 * @param includeTranscript put the call's transcript in the email
 */
@ConfigurationProperties("callhook.mail")
public record MailProperties(
        String host,
        @DefaultValue("25") int port,
        String username,
        String password,
        boolean starttls,
        String from,
        String to,
        @DefaultValue("10s") Duration timeout,
        boolean includeTranscript) {

    public boolean enabled() {
        return host != null && !host.isBlank();
    }
}
