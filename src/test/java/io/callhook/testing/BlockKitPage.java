package io.callhook.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A Slack message (Block Kit JSON, as the Slack stub received it) drawn as an HTML page looking roughly like Slack
 * draws it: sections with their fields two by two, context lines small and grey, mrkdwn's bold, links and line
 * breaks, a few emoji. Only what callhook's templates use; enough for a person, or a browser's screenshot, to read
 * the message as a Slack user would.
 */
public final class BlockKitPage {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LINK = Pattern.compile("<(https?://[^|>]+)\\|([^>]+)>");
    private static final Pattern BOLD = Pattern.compile("\\*([^*\\n]+)\\*");
    private static final Map<String, String> EMOJI =
            Map.of(":white_check_mark:", "✅", ":warning:", "⚠️", ":grey_question:", "❔", ":rotating_light:", "🚨");

    private BlockKitPage() {}

    public static String html(String blockKitJson) {
        JsonNode message;
        try {
            message = JSON.readTree(blockKitJson);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder page = new StringBuilder("""
                <!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>Slack message</title><style>
                body { font-family: Lato, 'Liberation Sans', Arial, sans-serif; font-size: 15px; color: #1d1c1d;
                       background: #fff; margin: 0; padding: 24px; width: 640px; }
                .app { display: flex; gap: 10px; }
                .avatar { width: 36px; height: 36px; border-radius: 6px; background: #4a154b; color: #fff;
                          font-weight: bold; display: flex; align-items: center; justify-content: center; }
                .name { font-weight: 900; } .tag { background: #e8e8e8; color: #616061; font-size: 11px;
                        padding: 1px 3px; border-radius: 3px; margin-left: 4px; }
                .block { margin: 6px 0; line-height: 1.45; }
                .fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; }
                .context { color: #616061; font-size: 12px; }
                a { color: #1264a3; text-decoration: none; }
                </style></head><body><div class="app"><div class="avatar">ch</div><div>
                <div><span class="name">callhook</span><span class="tag">APP</span></div>
                """);
        for (JsonNode block : message.path("blocks")) {
            switch (block.path("type").asText()) {
                case "header" ->
                    page.append("<div class=\"block\"><b>")
                            .append(mrkdwn(block.path("text").path("text").asText()))
                            .append("</b></div>");
                case "section" -> {
                    if (block.has("text")) {
                        page.append("<div class=\"block\">")
                                .append(mrkdwn(block.path("text").path("text").asText()))
                                .append("</div>");
                    }
                    if (block.has("fields")) {
                        page.append("<div class=\"block fields\">");
                        for (JsonNode field : block.path("fields")) {
                            page.append("<div>")
                                    .append(mrkdwn(field.path("text").asText()))
                                    .append("</div>");
                        }
                        page.append("</div>");
                    }
                }
                case "context" -> {
                    page.append("<div class=\"block context\">");
                    for (JsonNode element : block.path("elements")) {
                        page.append(mrkdwn(element.path("text").asText())).append(' ');
                    }
                    page.append("</div>");
                }
                case "divider" -> page.append("<hr>");
                default ->
                    page.append("<div class=\"block context\">[")
                            .append(escape(block.path("type").asText()))
                            .append(" block]</div>");
            }
        }
        if (!message.has("blocks")) {
            page.append("<div class=\"block\">")
                    .append(mrkdwn(message.path("text").asText()))
                    .append("</div>");
        }
        return page.append("</div></div></body></html>").toString();
    }

    /**
     * Slack's mrkdwn as HTML. Slack's own escapes (&amp; &lt; &gt;) are HTML's too; anything else that could be
     * markup is escaped before the links, bold and line breaks are drawn.
     */
    static String mrkdwn(String text) {
        StringBuilder html = new StringBuilder();
        Matcher link = LINK.matcher(text);
        int at = 0;
        while (link.find()) {
            html.append(inline(text.substring(at, link.start())))
                    .append("<a href=\"")
                    .append(escape(link.group(1)))
                    .append("\">")
                    .append(inline(link.group(2)))
                    .append("</a>");
            at = link.end();
        }
        return html.append(inline(text.substring(at))).toString();
    }

    private static String inline(String text) {
        String html = text.replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        html = BOLD.matcher(html).replaceAll("<b>$1</b>");
        for (Map.Entry<String, String> emoji : EMOJI.entrySet()) {
            html = html.replace(emoji.getKey(), emoji.getValue());
        }
        return html.replace("\n", "<br>");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
