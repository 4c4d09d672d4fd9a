package io.callhook.slack;

import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.slack.api.model.Message;
import io.callhook.call.CallFacts;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlackMessagesTest {

    final SlackMessages messages = new SlackMessages(new SlackProperties(null, null, false, Duration.ofSeconds(1)));

    @Test
    void mrkdwnControlCharactersAreEscapedSoTextCannotPingOrLink() {
        assertThat(SlackMessages.mrkdwn("<!channel> & <https://x.example|y>"))
                .isEqualTo("&lt;!channel&gt; &amp; &lt;https://x.example|y&gt;");
    }

    @Test
    void modelValuesAreSafeInsideAJsonStringWhateverTheyContain() throws Exception {
        Map<String, String> model = messages.model(call(Map.of(
                "customerName",
                "Eve \"quoted\" \\ <b>",
                "summary",
                "line one\n\u0001 \u2028 line two",
                "duration",
                240)));

        String json =
                "{\"name\": \"" + model.get("customerName") + "\", \"summary\": \"" + model.get("summary") + "\"}";

        assertThat(new ObjectMapper().readTree(json).get("name").asText()).isEqualTo("Eve \"quoted\" \\ &lt;b&gt;");
        assertThat(new ObjectMapper().readTree(json).get("summary").asText())
                .isEqualTo("line one\n\u0001 \u2028 line two");
        assertThat(model).containsEntry("duration", "4m 0s").containsEntry("outcome", "unknown");
    }

    /** A name cannot forge lines of the message ("*Agent*" on a line of its own, as the template writes it). */
    @Test
    void oneLineValuesStayOnOneLine() {
        Map<String, String> model = messages.model(
                call(Map.of("customerName", "Eve\n*Agent*\r\nMallory\u2028x", "agentName", "Bob\tSmith")));

        assertThat(model.get("customerName")).isEqualTo("Eve *Agent* Mallory x");
        assertThat(model.get("agentName")).isEqualTo("Bob Smith");
    }

    /** Cut after escaping: 2,500 ampersands are 12,500 characters once escaped, and never cut mid-escape. */
    @Test
    void longTextIsCutAfterEscapingBelowSlacksLimits() {
        Map<String, String> model =
                messages.model(call(Map.of("summary", "&".repeat(2_500), "agentName", "<".repeat(5_000))));

        assertThat(model.get("summary"))
                .hasSizeLessThanOrEqualTo(SlackMessages.MAX_LONG_TEXT)
                .endsWith("&amp;…");
        assertThat(model.get("agentName"))
                .hasSizeLessThanOrEqualTo(SlackMessages.MAX_SHORT_TEXT)
                .endsWith("&lt;…");
    }

    /** Whatever a template renders, what goes to Slack is within its published limits. */
    @Test
    void aRenderedMessageIsFittedToBlockKitLimits() {
        StringBuilder blocks = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            blocks.append("{\"type\": \"section\", \"text\": {\"type\": \"mrkdwn\", \"text\": \"")
                    .append("x".repeat(5_000))
                    .append("\"}},");
        }
        Message message = messages.message("{\"text\": \"" + "t".repeat(50_000) + "\", \"blocks\": ["
                + blocks.substring(0, blocks.length() - 1) + "]}");

        assertThat(message.getText()).hasSize(BlockKitLimits.MESSAGE_TEXT);
        assertThat(message.getBlocks()).hasSize(BlockKitLimits.BLOCKS);
        assertThat(((com.slack.api.model.block.SectionBlock) message.getBlocks().get(0))
                        .getText()
                        .getText())
                .hasSize(BlockKitLimits.SECTION_TEXT)
                .endsWith("…");
    }

    @Test
    void headersAndFieldsAreCutToTheirOwnLimits() {
        String fields = String.join(
                ",",
                java.util.Collections.nCopies(12, "{\"type\": \"mrkdwn\", \"text\": \"" + "f".repeat(3_000) + "\"}"));
        Message message = messages.message("{\"blocks\": [{\"type\": \"header\", \"text\": {\"type\": \"plain_text\","
                + " \"text\": \"" + "h".repeat(300) + "\"}}, {\"type\": \"section\", \"fields\": [" + fields + "]}]}");

        var header = (com.slack.api.model.block.HeaderBlock) message.getBlocks().get(0);
        var section =
                (com.slack.api.model.block.SectionBlock) message.getBlocks().get(1);
        assertThat(header.getText().getText()).hasSize(BlockKitLimits.HEADER_TEXT);
        assertThat(section.getFields()).hasSize(BlockKitLimits.SECTION_FIELDS);
        assertThat(section.getFields().get(0).getText()).hasSize(BlockKitLimits.FIELD_TEXT);
    }

    @Test
    void phoneNumbersAreMaskedWhenAsked() {
        SlackMessages masking = new SlackMessages(new SlackProperties(null, null, true, Duration.ofSeconds(1)));

        Map<String, String> model =
                masking.model(call(Map.of("customerPhone", "+1234567890", "fromNumber", "+0987654321")));

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

    /** The facts of a call.ended with these stored values (a duration in seconds as durationSeconds). */
    static CallFacts call(Map<String, Object> data) {
        Map<String, Object> row = new java.util.HashMap<>(data);
        if (row.containsKey("duration")) {
            row.put("durationSeconds", row.remove("duration"));
        }
        row.put("deliveryId", "d-1");
        row.put("event", "call.ended");
        return CallFacts.of(row);
    }
}
