package io.callhook.slack;

import java.util.ArrayList;
import java.util.List;

import com.slack.api.model.Message;
import com.slack.api.model.block.ContextBlock;
import com.slack.api.model.block.ContextBlockElement;
import com.slack.api.model.block.HeaderBlock;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.SectionBlock;
import com.slack.api.model.block.composition.MarkdownTextObject;
import com.slack.api.model.block.composition.PlainTextObject;
import com.slack.api.model.block.composition.TextObject;

/**
 * Slack's published limits for a message, applied to what a template rendered: Slack answers 400 to a
 * message over any of them, and a 400 is FAILED for good. Text over a limit is cut (with "…", never inside
 * an escape such as {@code &amp;}), blocks and fields over their count are dropped.
 *
 * @see <a href="https://api.slack.com/reference/block-kit/blocks">Block Kit blocks</a>
 */
final class BlockKitLimits {

    static final int MESSAGE_TEXT = 40_000;
    static final int BLOCKS = 50;
    static final int SECTION_TEXT = 3_000;
    static final int SECTION_FIELDS = 10;
    static final int FIELD_TEXT = 2_000;
    static final int HEADER_TEXT = 150;
    static final int CONTEXT_ELEMENTS = 10;
    static final int CONTEXT_TEXT = 2_000;

    private BlockKitLimits() {}

    static Message fit(Message message) {
        message.setText(cut(message.getText(), MESSAGE_TEXT));
        List<LayoutBlock> blocks = message.getBlocks();
        if (blocks == null) {
            return message;
        }
        if (blocks.size() > BLOCKS) {
            message.setBlocks(new ArrayList<>(blocks.subList(0, BLOCKS)));
        }
        for (LayoutBlock block : message.getBlocks()) {
            if (block instanceof SectionBlock section) {
                fit(section.getText(), SECTION_TEXT);
                if (section.getFields() != null) {
                    if (section.getFields().size() > SECTION_FIELDS) {
                        section.setFields(new ArrayList<>(section.getFields().subList(0, SECTION_FIELDS)));
                    }
                    section.getFields().forEach(field -> fit(field, FIELD_TEXT));
                }
            } else if (block instanceof HeaderBlock header) {
                fit(header.getText(), HEADER_TEXT);
            } else if (block instanceof ContextBlock context && context.getElements() != null) {
                if (context.getElements().size() > CONTEXT_ELEMENTS) {
                    context.setElements(new ArrayList<>(context.getElements().subList(0, CONTEXT_ELEMENTS)));
                }
                for (ContextBlockElement element : context.getElements()) {
                    if (element instanceof TextObject text) {
                        fit(text, CONTEXT_TEXT);
                    }
                }
            }
        }
        return message;
    }

    private static void fit(TextObject text, int limit) {
        if (text instanceof MarkdownTextObject markdown) {
            markdown.setText(cut(markdown.getText(), limit));
        } else if (text instanceof PlainTextObject plain) {
            plain.setText(cut(plain.getText(), limit));
        }
    }

    /**
     * At most {@code limit} characters, ending in "…" when cut; never inside an HTML escape ({@code &lt;})
     * nor between the halves of a surrogate pair.
     */
    static String cut(String text, int limit) {
        if (text == null || text.length() <= limit) {
            return text;
        }
        int end = limit - 1;
        if (Character.isLowSurrogate(text.charAt(end))) {
            end--;
        }
        int amp = text.lastIndexOf('&', end - 1);
        if (amp >= 0 && end - amp <= 5 && text.indexOf(';', amp) >= end) {
            end = amp;
        }
        return text.substring(0, end) + "…";
    }
}
