package io.callhook.slack;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.slack.api.model.Message;
import com.slack.api.model.block.SectionBlock;
import com.slack.api.model.block.composition.MarkdownTextObject;
import com.slack.api.util.json.GsonFactory;
import com.slack.api.webhook.Payload;
import io.callhook.call.CallFacts;
import org.springframework.stereotype.Component;

/**
 * Turns an event into the data a Slack template sees, and the rendered template into the message
 * posted to an incoming webhook. Every value is escaped for mrkdwn ({@code & < >}, so payload text cannot ping a
 * channel or hide a link) and for a JSON string, so a template stays safe whatever it puts where. A value
 * that is one line in a message (a name, a number) stays one line: its line breaks become spaces, so it
 * cannot add lines that look like the message's own. Values are cut after escaping, and the rendered
 * message is fitted to Slack's limits ({@link BlockKitLimits}).
 */
@Component("slackMessages")
public class SlackMessages {

    /** The summary, escaped: well inside a section's 3,000 characters with the template's own words. */
    static final int MAX_LONG_TEXT = 2500;

    static final int MAX_SHORT_TEXT = 300;

    private static final Pattern LINE_BREAKS = Pattern.compile("[\\p{Cntrl}\\u2028\\u2029\\u0085]+");

    private static final Gson SLACK_JSON = GsonFactory.createSnakeCase();

    private final SlackProperties properties;

    public SlackMessages(SlackProperties properties) {
        this.properties = properties;
    }

    /** The template's data model ({@code ${body.customerName}} …), from the call's facts. */
    public Map<String, String> model(CallFacts call) {
        Map<String, String> model = new LinkedHashMap<>();
        put(model, "deliveryId", call.deliveryId(), MAX_SHORT_TEXT);
        put(model, "event", call.event(), MAX_SHORT_TEXT);
        put(model, "callId", call.callId(), MAX_SHORT_TEXT);
        put(model, "outcome", call.outcome(), MAX_SHORT_TEXT);
        put(model, "outcomeTitle", call.outcomeTitle(), MAX_SHORT_TEXT);
        // a missing name reads as the number, masked like the number everywhere else
        String phone = CallFacts.NONE.equals(call.customerPhone()) ? null : phone(call.customerPhone());
        put(model, "customerName", CallFacts.customerName(call.name(), phone), MAX_SHORT_TEXT);
        put(model, "customer", CallFacts.customer(call.name(), phone), MAX_SHORT_TEXT);
        put(model, "customerPhone", phone(call.customerPhone()), MAX_SHORT_TEXT);
        put(model, "fromNumber", phone(call.fromNumber()), MAX_SHORT_TEXT);
        put(model, "agentName", call.agentName(), MAX_SHORT_TEXT);
        put(model, "direction", call.direction(), MAX_SHORT_TEXT);
        put(model, "status", call.status(), MAX_SHORT_TEXT);
        put(model, "duration", call.duration(), MAX_SHORT_TEXT);
        put(model, "sentiment", call.sentiment(), MAX_SHORT_TEXT);
        put(model, "disconnectionReason", call.disconnectionReason(), MAX_SHORT_TEXT);
        putLines(model, "summary", call.summary(), MAX_LONG_TEXT);
        put(model, "tokenCost", call.tokenCost(), MAX_SHORT_TEXT);
        put(model, "startedAt", call.startedAt(), MAX_SHORT_TEXT);
        put(model, "endedAt", call.endedAt(), MAX_SHORT_TEXT);
        put(model, "reason", call.reason(), MAX_SHORT_TEXT);
        put(model, "started", call.started(), MAX_SHORT_TEXT);
        put(model, "ended", call.ended(), MAX_SHORT_TEXT);
        // escaped like every value (a URL's & is &amp; in mrkdwn), never cut: a cut link leads nowhere
        model.put("link", call.link() == null ? "" : jsonString(mrkdwn(call.link())));
        return model;
    }

    /** The rendered template (Block Kit JSON) as the SDK's message, fitted to Block Kit's limits. */
    public Message message(String json) {
        try {
            Message message = SLACK_JSON.fromJson(json, Message.class);
            if (message == null || (message.getText() == null && message.getBlocks() == null)) {
                throw new IllegalArgumentException("Slack template rendered no \"text\" and no \"blocks\"");
            }
            return BlockKitLimits.fit(message);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("Slack template did not render valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The rendered template as the JSON an incoming webhook is sent: checked, fitted to Block Kit's limits,
     * and only the fields a webhook takes (the SDK's message model would add its own defaults).
     */
    public String json(String rendered) {
        Message message = message(rendered);
        return SLACK_JSON.toJson(Payload.builder()
                .text(message.getText())
                .blocks(message.getBlocks())
                .attachments(message.getAttachments())
                .threadTs(message.getThreadTs())
                .build());
    }

    /**
     * A note of the service's own (an alert): a title and a text in one mrkdwn section, escaped and cut to
     * Block Kit's section limit, with the plain text as the notification's fallback.
     */
    public static String note(String title, String text) {
        String section = "*" + mrkdwn(title) + "*\n" + mrkdwn(text);
        if (section.length() > BlockKitLimits.SECTION_TEXT) {
            section = section.substring(0, BlockKitLimits.SECTION_TEXT - 1) + "…";
        }
        String fallback = title.length() > MAX_SHORT_TEXT ? title.substring(0, MAX_SHORT_TEXT - 1) + "…" : title;
        return SLACK_JSON.toJson(Payload.builder()
                .text(fallback)
                .blocks(List.of(SectionBlock.builder()
                        .text(MarkdownTextObject.builder().text(section).build())
                        .build()))
                .build());
    }

    /** {@code &}, {@code <} and {@code >} are Slack's control characters in mrkdwn. */
    static String mrkdwn(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** The characters that end or break a JSON string literal. */
    static String jsonString(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    private String phone(String number) {
        if (!properties.maskPhoneNumbers() || CallFacts.NONE.equals(number) || number.length() <= 4) {
            return number;
        }
        return "•".repeat(Math.min(number.length() - 4, 8)) + number.substring(number.length() - 4);
    }

    /** A one-line value: control characters and line breaks become a space. */
    private static void put(Map<String, String> model, String key, String value, int maxLength) {
        String text = value == null ? CallFacts.NONE : value;
        putLines(model, key, LINE_BREAKS.matcher(text).replaceAll(" "), maxLength);
    }

    /** Escaped for mrkdwn first, then cut: an escape makes text longer (& is 5 characters). */
    private static void putLines(Map<String, String> model, String key, String value, int maxLength) {
        String text = value == null ? CallFacts.NONE : value;
        model.put(key, jsonString(BlockKitLimits.cut(mrkdwn(text), maxLength)));
    }
}
