package io.callhook.slack;

import java.util.Optional;

import io.callhook.delivery.DeliveryChannel;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.slack.SlackComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Each Slack incoming webhook is a Camel component named {@code slack-<webhook>} carrying its URL, so
 * routes send with {@code slack-team:…} and the URL (a secret) never appears in an endpoint URI or a
 * log line. The routing table picks the webhook by name in variable {@code slackWebhook}.
 */
@Component
class SlackWebhooks implements DeliveryChannel {

    static final String PREFIX = "slack-";
    private static final Logger log = LoggerFactory.getLogger(SlackWebhooks.class);

    private final CamelContext camel;
    private final SlackProperties properties;

    SlackWebhooks(CamelContext camel, SlackProperties properties) {
        this.camel = camel;
        this.properties = properties;
    }

    @Override
    public String name() {
        return "slack";
    }

    @Override
    public Optional<String> offReason(Exchange dispatch) {
        String webhook = dispatch.getVariable("slackWebhook", "team", String.class);
        if (camel.getComponent(PREFIX + webhook) instanceof SlackComponent component) {
            return component.getWebhookUrl() == null
                            || component.getWebhookUrl().isBlank()
                    ? Optional.of("Slack webhook '" + webhook + "' is not configured")
                    : Optional.empty();
        }
        return Optional.of("no Slack webhook named '" + webhook + "' (component " + PREFIX + webhook + ")");
    }

    @EventListener(ApplicationReadyEvent.class)
    void reportOff() {
        if (properties.teamUrl() == null) {
            log.warn("Slack is off: CALLHOOK_SLACK_WEBHOOK_URL is not set; Slack deliveries are recorded as SKIPPED");
        } else if (properties.alertsWebhookUrl() == null
                || properties.alertsWebhookUrl().isBlank()) {
            log.info("Slack alerts go to the team webhook: CALLHOOK_SLACK_ALERTS_WEBHOOK_URL is not set");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Components {

        @Bean(PREFIX + "team")
        SlackComponent slackTeam(SlackProperties properties) {
            return webhook(properties.teamUrl());
        }

        @Bean(PREFIX + "alerts")
        SlackComponent slackAlerts(SlackProperties properties) {
            return webhook(properties.alertsUrl());
        }

        private static SlackComponent webhook(String url) {
            SlackComponent component = new SlackComponent();
            component.setWebhookUrl(url);
            return component;
        }
    }
}
