package io.callhook.digest;

import java.time.ZoneId;

import io.callhook.mail.MailProperties;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;
import org.springframework.stereotype.Component;

/**
 * Fires {@code direct:digest} (routes/digest.camel.yaml) on {@code CALLHOOK_DIGEST_CRON}, when email is on; and
 * once at start for the windows whose fire the service missed while it was down, sent late.
 */
@Component
class DigestSchedule {

    private static final Logger log = LoggerFactory.getLogger(DigestSchedule.class);

    private final ProducerTemplate producer;
    private final DigestProperties properties;
    private final MailProperties mail;
    private ThreadPoolTaskScheduler scheduler;

    DigestSchedule(ProducerTemplate producer, DigestProperties properties, MailProperties mail) {
        this.producer = producer;
        this.properties = properties;
        this.mail = mail;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (!mail.enabled()) {
            log.info("Digest email is off: email is off");
            return;
        }
        scheduler = new ThreadPoolTaskScheduler();
        scheduler.setThreadNamePrefix("digest-");
        scheduler.initialize();
        CronTrigger trigger = new CronTrigger(properties.cron(), ZoneId.of(properties.zone()));
        scheduler.schedule(this::send, trigger);
        scheduler.execute(this::catchUp);
        log.info(
                "Digest email scheduled: '{}' ({}), covering the {} before",
                properties.cron(),
                properties.zone(),
                properties.window());
    }

    void send() {
        try {
            producer.sendBody("direct:digest", null);
        } catch (RuntimeException e) {
            log.error("Digest email failed: {}", e.toString());
        }
    }

    /** The windows missed while the service was down, without a new one. */
    void catchUp() {
        try {
            producer.send("direct:digest", exchange -> exchange.setVariable("catchUp", true));
        } catch (RuntimeException e) {
            log.error("Digest email of the windows missed before the start failed: {}", e.toString());
        }
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (scheduler != null) {
            scheduler.shutdown();
        }
    }
}
