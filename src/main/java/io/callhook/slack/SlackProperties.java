package io.callhook.slack;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Slack incoming webhooks. {@code webhookUrl} is the team channel; {@code alertsWebhookUrl} receives
 * unsuccessful calls and falls back to the team webhook. Unset means off. Posts to one webhook are paced
 * to one per {@code minInterval}, whichever destinations post there.
 *
 * @param webhookUrl the Slack incoming webhook of the team channel (a secret); unset: Slack is off
 * @param alertsWebhookUrl the incoming webhook for unsuccessful calls (the {@code slack-alerts} destination);
 *     unset: the team webhook
 * @param maskPhoneNumbers show only the last 4 digits of phone numbers in Slack
 * @param minInterval the pace of posts to one Slack webhook when its destination declares no {@code pace}: one
 *     per interval, shared by every destination posting there
 */
@ConfigurationProperties("callhook.slack")
public record SlackProperties(
        String webhookUrl,
        String alertsWebhookUrl,
        boolean maskPhoneNumbers,
        @DefaultValue("1s") Duration minInterval) {

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
