package io.callhook.destination;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DestinationTest {

    /** Placeholders resolved as Camel would, from these settings. */
    static String resolve(String value) {
        return value.replace("{{env:CRM_KEY}}", "k3y-5").replace("{{env:CRM_URL}}", "http://127.0.0.1:9/crm");
    }

    /**
     * A header whose value is a placeholder (an API key) is a secret like the url and the token, however short:
     * "what was sent" and preview mask it (they showed X-Api-Key in clear, and no secret under 8 characters was
     * ever masked).
     */
    @Test
    void headerValuesFromPlaceholdersAreSecretsWhateverTheirLength() {
        Destination crm = Destination.of(
                "crm",
                Map.of(
                        "channel", "crm",
                        "url", "{{env:CRM_URL}}",
                        "token", "t0k",
                        "headers", "X-Source=callhook,X-Api-Key={{env:CRM_KEY}}"),
                DestinationTest::resolve,
                Duration.ofSeconds(1));

        assertThat(crm.headers()).containsEntry("X-Api-Key", "k3y-5").containsEntry("X-Source", "callhook");
        assertThat(crm.secrets()).containsExactlyInAnyOrder("http://127.0.0.1:9/crm", "t0k", "k3y-5");
    }
}
