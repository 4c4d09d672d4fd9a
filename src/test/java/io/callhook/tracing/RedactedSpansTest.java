package io.callhook.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedactedSpansTest {

    @Test
    void aUrlKeepsSchemeAndHostOnly() {
        assertThat(RedactedSpans.redact("https://hooks.slack.com/services/T000/B000/XXXXsecret"))
                .isEqualTo("https://hooks.slack.com/…");
        assertThat(RedactedSpans.redact("smtp://callhook:hunter2@mail.example.com:587?password=hunter2"))
                .isEqualTo("smtp://mail.example.com:587/…");
        assertThat(RedactedSpans.redact("http://127.0.0.1:8080")).isEqualTo("http://127.0.0.1:8080");
    }

    @Test
    void urlsInsideAMessageAreCutTheRestIsKept() {
        assertThat(RedactedSpans.redact(
                        "POST http://127.0.0.1:41234/services/team returned 404 (see 'https://x.test/a?b=c')"))
                .isEqualTo("POST http://127.0.0.1:41234/… returned 404 (see 'https://x.test/…')");
        assertThat(RedactedSpans.redact("kafka:callhook-dispatch?brokers=k1:9092"))
                .isEqualTo("kafka:callhook-dispatch?brokers=k1:9092");
    }

    @Test
    void onlyStringAttributesChange() {
        Attributes redacted = RedactedSpans.redact(Attributes.of(
                AttributeKey.stringKey("http.url"),
                "https://outlook.office.com/webhookb2/secret",
                AttributeKey.longKey("http.status_code"),
                404L));
        assertThat(redacted.get(AttributeKey.stringKey("http.url"))).isEqualTo("https://outlook.office.com/…");
        assertThat(redacted.get(AttributeKey.longKey("http.status_code"))).isEqualTo(404L);
    }
}
