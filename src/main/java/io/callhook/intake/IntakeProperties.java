package io.callhook.intake;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/** The webhook endpoint's limits. */
@ConfigurationProperties("callhook.webhook")
public record IntakeProperties(@DefaultValue("1MB") DataSize maxBodySize) {

    public IntakeProperties {
        if (maxBodySize.toBytes() < 1 || maxBodySize.toBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("callhook.webhook.max-body-size must be between 1 byte and 2 GiB");
        }
    }

    int maxBodyBytes() {
        return (int) maxBodySize.toBytes();
    }
}
