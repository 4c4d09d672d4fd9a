package io.callhook.health;

import java.net.URI;
import java.time.Clock;

import io.callhook.mail.MailProperties;
import io.callhook.slack.SlackProperties;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Health components for the channels' servers, present only when the channel is configured:
 * {@code smtp} (the mail server accepts connections) and {@code slack} (the team webhook's host does).
 * They show in {@code /actuator/health} but not in readiness: webhooks are still accepted, stored and
 * queued while Slack or the mail server is away.
 */
@Configuration(proxyBeanMethods = false)
class ChannelHealth {

    @Bean
    @ConditionalOnExpression("'${callhook.mail.host:}' != ''")
    HealthIndicator smtp(MailProperties mail) {
        Reachability server = new Reachability(mail.host(), mail.port(), Clock.systemUTC());
        return server::health;
    }

    @Bean
    @ConditionalOnExpression("'${callhook.slack.webhook-url:}' != ''")
    HealthIndicator slack(SlackProperties slack) {
        URI url = URI.create(slack.webhookUrl().trim());
        int port = url.getPort() > 0 ? url.getPort() : "http".equals(url.getScheme()) ? 80 : 443;
        Reachability server = new Reachability(url.getHost(), port, Clock.systemUTC());
        return server::health;
    }
}
