package io.callhook;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.callhook.testing.Mailbox;
import io.callhook.testing.SmtpServer;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The digest of a known day of calls, sent by the real route to a real SMTP server, once per window; a window
 * whose run failed (its database call) is sent at the next fire; a window whose fire was missed is sent late.
 * Each database runs it (DigestIT: H2; DigestOn*PostgresIT: both PostgreSQL majors): its sums are SQL.
 */
@SpringBootTest(
        properties = {
            // the schedule never fires by itself during the test: the test fires it
            "callhook.digest.cron=0 0 3 * * ?",
            "callhook.digest.retry-delay=100"
        })
@ExtendWith(OutputCaptureExtension.class)
abstract class Digest {

    /** One server for every database's run of these tests (they run one after the other): stopped with the JVM. */
    static final GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());

    static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

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

    @BeforeEach
    void fresh() throws Exception {
        smtp.purgeEmailFromAllMailboxes();
        jdbc.update("DELETE FROM digest_run");
        jdbc.update("DELETE FROM call_audit WHERE payload = '{}'");
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
        assertThat(digest.getSubject())
                .contains("digest", "4 calls", "50.0% successful")
                .doesNotContain("late");
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

    /**
     * The database fails while the window's figures are read: nothing is sent, the window's claim is given
     * back (logged), and the next fire sends that window, late, once.
     */
    @Test
    void aWindowWhoseDatabaseCallFailedIsSentAtTheNextFire(CapturedOutput output) throws Exception {
        call(OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(30), "Ann Lee", true, 120, "neutral", "7.50", null);
        jdbc.execute("ALTER TABLE call_audit RENAME TO call_audit_away");
        try {
            producer.sendBody("direct:digest", null);
        } finally {
            jdbc.execute("ALTER TABLE call_audit_away RENAME TO call_audit");
        }
        // bounded wait, not a bare read: once in CI (2 cores, 549 s into a shared JVM) the capture did not yet
        // hold the line when sendBody returned
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(output.getOut()).contains("failed, the next fire sends it late"));
        assertThat(digests()).isEmpty();
        OffsetDateTime failed = jdbc.queryForObject("SELECT window_end FROM digest_run", OffsetDateTime.class);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM digest_run WHERE claimed_by IS NULL AND sent_at IS NULL", Integer.class))
                .as("its claim given back")
                .isEqualTo(1);

        producer.sendBody("direct:digest", null);

        await().atMost(Duration.ofSeconds(15))
                .until(() -> !withWindowEnd(failed).isEmpty());
        assertThat(withWindowEnd(failed))
                .singleElement()
                .satisfies(mail -> assertThat(mail.getSubject()).contains("(sent late)", "1 calls"));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM digest_run WHERE sent_at IS NULL", Integer.class))
                .isZero();
        producer.sendBody("direct:digest", null);
        assertThat(withWindowEnd(failed)).as("never twice").hasSize(1);
    }

    /** The fires of the last two days were missed (the service was down): their windows are sent late. */
    @Test
    void windowsWhoseFireWasMissedAreSentLate() throws Exception {
        CronExpression cron = CronExpression.parse("0 0 3 * * ?");
        // the fires up to now: the latest is this fire's own (on time, not late), the two before it were missed
        // (picked from the fires, not from the clock: a run in the minutes after 03:00 UTC took the current
        // window for a missed one)
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        List<ZonedDateTime> fires = new ArrayList<>();
        for (ZonedDateTime fire = cron.next(now.minusDays(5)); !fire.isAfter(now); fire = cron.next(fire)) {
            fires.add(fire);
        }
        ZonedDateTime lastSent = fires.get(fires.size() - 4);
        ZonedDateTime missed1 = fires.get(fires.size() - 3);
        ZonedDateTime missed2 = fires.get(fires.size() - 2);
        jdbc.update(
                "INSERT INTO digest_run (window_end, window_start, claimed_by, claimed_at, sent_at) VALUES (?, ?, 'x', ?, ?)",
                lastSent.toOffsetDateTime(),
                lastSent.minusDays(1).toOffsetDateTime(),
                lastSent.toOffsetDateTime(),
                lastSent.toOffsetDateTime());

        producer.sendBody("direct:digest", null);

        for (ZonedDateTime missed : List.of(missed1, missed2)) {
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> !withWindowEnd(missed.toOffsetDateTime()).isEmpty());
            assertThat(withWindowEnd(missed.toOffsetDateTime()))
                    .singleElement()
                    .satisfies(mail -> assertThat(mail.getSubject()).contains("(sent late)"));
        }
        assertThat(withWindowEnd(lastSent.toOffsetDateTime()))
                .as("sent before, not again")
                .isEmpty();
    }

    List<MimeMessage> digests() {
        return new Mailbox(smtp).withSubject("digest");
    }

    List<MimeMessage> withWindowEnd(OffsetDateTime end) {
        String to = "→ " + WHEN.format(end.withOffsetSameInstant(ZoneOffset.UTC)) + " UTC";
        return digests().stream().filter(mail -> subject(mail).contains(to)).toList();
    }

    static String subject(MimeMessage mail) {
        try {
            return mail.getSubject();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
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
