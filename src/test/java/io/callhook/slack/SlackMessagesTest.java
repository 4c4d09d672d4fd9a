package io.callhook.slack;

import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.slack.api.model.Message;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlackMessagesTest {

    final SlackMessages messages = new SlackMessages(new SlackProperties(null, null, false, Duration.ofSeconds(1), 3));

    @Test
    void mrkdwnControlCharactersAreEscapedSoTextCannotPingOrLink() {
        assertThat(SlackMessages.mrkdwn("<!channel> & <https://x.example|y>"))
                .isEqualTo("&lt;!channel&gt; &amp; &lt;https://x.example|y&gt;");
    }

    @Test
    void modelValuesAreSafeInsideAJsonStringWhateverTheyContain() throws Exception {
        Map<String, String> model = messages.model(Map.of(
                "id",
                "d-1",
                "event",
                "call.ended",
                "data",
                Map.of("customerName", "Eve \"quoted\" \\ <b>\n\u0001 \u2028 ok", "duration", 240)));

        String json = "{\"text\": \"" + model.get("customerName") + "\"}";

        assertThat(new ObjectMapper().readTree(json).get("text").asText())
                .isEqualTo("Eve \"quoted\" \\ &lt;b&gt;\n\u0001 \u2028 ok");
        assertThat(model).containsEntry("duration", "4m 0s").containsEntry("outcome", "unknown");
    }

    @Test
    void longTextIsCutBelowSlacksLimits() {
        Map<String, String> model = messages.model(Map.of(
                "id",
                "d-1",
                "event",
                "call.ended",
                "data",
                Map.of("summary", "s".repeat(10_000), "agentName", "a".repeat(5_000))));

        assertThat(model.get("summary")).hasSize(SlackMessages.MAX_LONG_TEXT).endsWith("…");
        assertThat(model.get("agentName")).hasSize(SlackMessages.MAX_SHORT_TEXT);
    }

    @Test
    void phoneNumbersAreMaskedWhenAsked() {
        SlackMessages masking = new SlackMessages(new SlackProperties(null, null, true, Duration.ofSeconds(1), 3));

        Map<String, String> model = masking.model(Map.of(
                "id",
                "d",
                "event",
                "call.ended",
                "data",
                Map.of("customerPhone", "+1234567890", "fromNumber", "+0987654321")));

        assertThat(model).containsEntry("customerPhone", "•••••••7890").containsEntry("fromNumber", "•••••••4321");
    }

    @Test
    void renderedBlockKitBecomesAMessageWithItsBlocks() {
        Message message = messages.message("""
                {"text": "hi", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]}
                """);

        assertThat(message.getText()).isEqualTo("hi");
        assertThat(message.getBlocks()).hasSize(1);
    }

    @Test
    void brokenTemplateOutputIsAClearError() {
        assertThatThrownBy(() -> messages.message("{\"text\": \"unterminated"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("valid JSON");
        assertThatThrownBy(() -> messages.message("{}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no \"text\" and no \"blocks\"");
    }
}
