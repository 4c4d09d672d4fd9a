package io.callhook.mail;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** The SMTP server and addresses of the summary email. Unset host means email is off. */
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
