package io.callhook.audit;

import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** {@code auditWriter} in health and readiness: webhooks can be stored only while the writer runs. */
@Configuration(proxyBeanMethods = false)
class AuditWriterHealth {

    @Bean
    HealthIndicator auditWriter(AuditLog log) {
        return log::health;
    }
}
