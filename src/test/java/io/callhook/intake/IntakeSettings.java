package io.callhook.intake;

import java.util.HashMap;
import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@link IntakeProperties} bound as the service binds them: what is not given keeps its default. */
final class IntakeSettings {

    private IntakeSettings() {}

    /** @param settings keys under {@code callhook.webhook}, e.g. {@code secret-header} */
    static IntakeProperties bind(Map<String, String> settings) {
        Map<String, String> prefixed = new HashMap<>();
        settings.forEach((key, value) -> prefixed.put("callhook.webhook." + key, value));
        return new Binder(new MapConfigurationPropertySource(prefixed))
                .bindOrCreate("callhook.webhook", IntakeProperties.class);
    }
}
