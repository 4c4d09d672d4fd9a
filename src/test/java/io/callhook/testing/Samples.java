package io.callhook.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.UUID;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The platform's sample payloads (src/main/resources/samples, also what the validate command renders templates with), each with a fresh delivery id. */
public final class Samples {

    public static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode envelope;

    private Samples(ObjectNode envelope) {
        this.envelope = envelope;
    }

    /** e.g. {@code Samples.of("call-ended")}, with the id replaced by a unique one. */
    public static Samples of(String name) {
        try (InputStream in = Samples.class.getResourceAsStream("/samples/" + name + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("no sample " + name);
            }
            ObjectNode node = (ObjectNode) JSON.readTree(in);
            node.put("id", "evt-" + name + "-" + UUID.randomUUID());
            return new Samples(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Samples id(String id) {
        envelope.put("id", id);
        return this;
    }

    /** Edits {@code data}. */
    public Samples data(Consumer<ObjectNode> edit) {
        edit.accept((ObjectNode) envelope.get("data"));
        return this;
    }

    public String id() {
        return envelope.get("id").asText();
    }

    public ObjectNode envelope() {
        return envelope;
    }

    public String json() {
        return envelope.toString();
    }

    private static final io.callhook.intake.WebhookReader READER =
            new io.callhook.intake.WebhookReader(io.callhook.intake.IntakeProperties.defaults());

    /** The event as intake reads it: its audit row's values by name (what a send reads back from the database). */
    public java.util.Map<String, Object> row() {
        return READER.event(json().getBytes(java.nio.charset.StandardCharsets.UTF_8), null, null)
                .row();
    }

    /** The call's facts, as a destination's message sees them. */
    public io.callhook.call.CallFacts facts() {
        return io.callhook.call.CallFacts.of(row());
    }
}
