package io.callhook.testing;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * What Slack's incoming webhooks refuse, for a WireMock stub: a body that is not JSON ({@code 400
 * invalid_payload}), and a message over Block Kit's published limits ({@code 400 invalid_blocks}): more than
 * 50 blocks, a section's text over 3,000 characters, more than 10 fields or one over 2,000, a header over
 * 150, a context with more than 10 elements, a message text over 40,000. Anything else gets the stub's own
 * answer.
 */
public final class SlackRules implements ResponseDefinitionTransformerV2 {

    @Override
    public ResponseDefinition transform(ServeEvent serveEvent) {
        String refusal;
        try {
            refusal = refusal(Samples.JSON.readTree(serveEvent.getRequest().getBodyAsString()));
        } catch (IOException e) {
            refusal = "invalid_payload";
        }
        if (refusal == null) {
            return serveEvent.getResponseDefinition();
        }
        return ResponseDefinitionBuilder.responseDefinition()
                .withStatus(400)
                .withBody(refusal)
                .build();
    }

    /** Slack's answer to a message over its rate limit: 429, asking to wait {@code seconds}. */
    public static ResponseDefinition rateLimited(int seconds) {
        return ResponseDefinitionBuilder.responseDefinition()
                .withStatus(429)
                .withHeader("Retry-After", Integer.toString(seconds))
                .withBody("rate_limited")
                .build();
    }

    static String refusal(JsonNode message) {
        if (message == null || !message.isObject()) {
            return "invalid_payload";
        }
        if (message.path("text").asText("").length() > 40_000) {
            return "invalid_blocks";
        }
        JsonNode blocks = message.path("blocks");
        if (blocks.size() > 50) {
            return "invalid_blocks";
        }
        for (JsonNode block : blocks) {
            String type = block.path("type").asText();
            boolean tooLong = switch (type) {
                case "section" ->
                    over(block.path("text"), 3_000)
                            || block.path("fields").size() > 10
                            || anyOver(block.path("fields"), 2_000);
                case "header" -> over(block.path("text"), 150);
                case "context" -> block.path("elements").size() > 10 || anyOver(block.path("elements"), 2_000);
                default -> false;
            };
            if (tooLong) {
                return "invalid_blocks";
            }
        }
        return null;
    }

    private static boolean over(JsonNode text, int limit) {
        return text.path("text").asText("").length() > limit;
    }

    private static boolean anyOver(JsonNode texts, int limit) {
        for (JsonNode text : texts) {
            if (over(text, limit)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean applyGlobally() {
        return true;
    }

    @Override
    public String getName() {
        return "slack-rules";
    }
}
