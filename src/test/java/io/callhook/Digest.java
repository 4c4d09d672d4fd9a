package io.callhook;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import jakarta.mail.internet.MimeMessage;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.callhook.testing.Mailbox;
import io.callhook.testing.SmtpServer;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The digest of a known day of calls, sent by the real route to a real SMTP server, once per window. */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:digest;DB_CLOSE_DELAY=-1")
class DigestIT {

    static final GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());

    static {
        smtp.start();
    }

    @DynamicPropertySource
    static void mail(DynamicPropertyRegistry properties) {
        SmtpServer.configure(properties, () -> smtp.getSmtp().getPort(), "ops@example.com");
    }

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ProducerTemplate producer;

    @AfterAll
    static void stop() {
        smtp.stop();
    }

    @Test
    void digestSumsUpTheWindowsCallsAndIsSentOncePerWindow() throws Exception {
        OffsetDateTime hourAgo = OffsetDateTime.now(ZoneOffset.UTC).minusHours(1);
        call(hourAgo, "John Doe", true, 240, "positive", "12.50", null);
        call(hourAgo, "Ann Lee", true, 120, "neutral", "7.50", null);
        call(hourAgo, "Jane Roe", false, 60, "negative", "5", "customer_hangup");
        call(hourAgo, null, null, 0, null, "2.5", null);
        call(hourAgo.minusDays(1), "Too Old", false, 999, "negative", "100", "busy"); // before the window
        jdbc.update(
                "INSERT INTO call_audit (delivery_id, event, received_at, payload) VALUES (?, 'appointment.created', ?, '{}')",
                "evt-" + UUID.randomUUID(),
                hourAgo);

        producer.sendBody("direct:digest", null);
        producer.sendBody("direct:digest", null); // a second instance firing the same schedule

        await().atMost(Duration.ofSeconds(15)).until(() -> digests().size() == 1);
        MimeMessage digest = digests().get(0);
        assertThat(digest.getSubject()).contains("digest", "4 calls", "50.0% successful");
        String text = Mailbox.text(digest);
        assertThat(text)
                .contains("Calls:            4")
                .contains("Success rate:     50.0% (2 successful, 1 unsuccessful, 1 outcome unknown)")
                .contains("Average duration: 1m 45s")
                .contains("Token cost:       27.5")
                .contains("Sentiment:        negative 1, neutral 1, positive 1, unknown 1")
                .contains("Jane Roe with Sales Agent: customer_hangup")
                .doesNotContain("Too Old");
        assertThat(Mailbox.html(digest)).contains("<td>Jane Roe</td>", "50.0%");
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(3))
                .until(() -> digests().size() == 1);
    }

    List<MimeMessage> digests() {
        return new Mailbox(smtp).withSubject("digest");
    }

    void call(
            OffsetDateTime at,
            String customer,
            Boolean successful,
            int seconds,
            String sentiment,
            String cost,
            String reason) {
        jdbc.update(
                """
                INSERT INTO call_audit (delivery_id, event, received_at, call_id, customer_name, agent_name,
                duration_seconds, sentiment, call_successful, token_cost, disconnection_reason, payload)
                VALUES (?, 'call.ended', ?, ?, ?, 'Sales Agent', ?, ?, ?, ?, ?, '{}')""",
                "evt-" + UUID.randomUUID(),
                at,
                "call-" + UUID.randomUUID(),
                customer,
                seconds,
                sentiment,
                successful,
                new BigDecimal(cost),
                reason);
    }
}
