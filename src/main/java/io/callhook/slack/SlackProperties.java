package io.callhook.slack;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Slack incoming webhooks. {@code webhookUrl} is the team channel; {@code alertsWebhookUrl} receives
 * unsuccessful calls and falls back to the team webhook. Unset means off.
 */
@ConfigurationProperties("callhook.slack")
public record SlackProperties(String webhookUrl, String alertsWebhookUrl, boolean maskPhoneNumbers) {

    String teamUrl() {
        return blankToNull(webhookUrl);
    }

    String alertsUrl() {
        String alerts = blankToNull(alertsWebhookUrl);
        return alerts != null ? alerts : teamUrl();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
