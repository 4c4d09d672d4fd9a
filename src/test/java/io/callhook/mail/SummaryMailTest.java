package io.callhook.mail;

import java.time.Duration;
import java.util.Map;

import io.callhook.call.CallFacts;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SummaryMailTest {

    static final CallFacts CALL = CallFacts.of(Map.of(
            "deliveryId",
            "d-1",
            "event",
            "call.ended",
            "customerName",
            "Tom & <Jerry>",
            "transcript",
            "Agent: hello",
            "callSuccessful",
            true));

    @Test
    void subjectIsOneBoundedLineWhateverThePayloadHolds() {
        assertThat(SummaryMail.subject("Call with Eve\r\nBcc: thief@evil.example\u0000\t x"))
                .isEqualTo("Call with Eve Bcc: thief@evil.example x");
        assertThat(SummaryMail.subject("x".repeat(500))).hasSize(SummaryMail.MAX_SUBJECT_LENGTH);
        assertThat(SummaryMail.subject(null)).isEmpty();
    }

    @Test
    void htmlDataIsEscapedAndTextDataIsAsSent() {
        SummaryMail mail = new SummaryMail(properties(null, false));

        assertThat(mail.html(CALL)).containsEntry("customerName", "Tom &amp; &lt;Jerry&gt;");
        assertThat(mail.text(CALL))
                .containsEntry("customerName", "Tom & <Jerry>")
                .containsEntry("outcomeTitle", "Successful");
    }

    @Test
    void transcriptIsLeftOutUnlessAskedFor() {
        assertThat(new SummaryMail(properties(null, false)).text(CALL)).doesNotContainKey("transcript");
        assertThat(new SummaryMail(properties(null, true)).text(CALL)).containsEntry("transcript", "Agent: hello");
    }

    @Test
    void configuredHostWithoutRecipientsStopsTheStartWithAClearMessage() {
        assertThatThrownBy(() -> new SummaryMail(new MailProperties(
                        "smtp.example.com",
                        25,
                        null,
                        null,
                        false,
                        "callhook@example.com",
                        "",
                        Duration.ofSeconds(10),
                        false)))
                .hasMessageContaining("CALLHOOK_MAIL_TO must be set");
        assertThatThrownBy(() -> new SummaryMail(new MailProperties(
                        "smtp.example.com",
                        25,
                        null,
                        null,
                        false,
                        "callhook@example.com",
                        "not an address,",
                        Duration.ofSeconds(10),
                        false)))
                .hasMessageContaining("CALLHOOK_MAIL_TO is not a valid");
    }

    private static MailProperties properties(String host, boolean transcript) {
        return new MailProperties(host, 25, null, null, false, null, null, Duration.ofSeconds(10), transcript);
    }
}
