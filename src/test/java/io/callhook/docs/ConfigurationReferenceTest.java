package io.callhook.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration reference cannot drift from the code: callhook's settings in {@code docs/configuration.md}
 * and the commented-out {@code config/application.yaml} of the release are generated from the metadata the
 * build writes (spring-boot-configuration-processor: the {@code @ConfigurationProperties} records' javadoc and
 * defaults, plus {@code META-INF/additional-spring-configuration-metadata.json} for the settings read with
 * {@code @Value}). This test fails when the committed files differ from what the metadata gives, and rewrites
 * them when run with {@code -Dcallhook.docs.write=true}.
 */
class ConfigurationReferenceTest {

    static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");
    static final Path REFERENCE = Path.of("docs/configuration.md");
    static final Path RELEASE_CONFIG = Path.of("src/release/config/application.yaml");
    static final String BEGIN = "<!-- generated: callhook's settings, from the build's configuration metadata"
            + " (ConfigurationReferenceTest); edit the records' javadoc, not this table -->";
    static final String END = "<!-- end of the generated settings -->";
    static final String REGENERATE = "./mvnw -B test -Dtest=ConfigurationReferenceTest -Dcallhook.docs.write=true";

    record Setting(String name, String description, String defaultValue) {

        /** The environment variable Spring Boot binds it from: dots and dashes as underscores, upper case. */
        String variable() {
            return name.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
        }
    }

    @Test
    void theReferenceAndTheReleaseConfigurationAreWhatTheMetadataSays() throws IOException {
        List<Setting> settings = settings();
        assertThat(settings)
                .as("settings in the metadata")
                .extracting(Setting::name)
                .contains("callhook.webhook.port", "callhook.delivery.retry.max-retries", "callhook.instance-id");
        for (Setting setting : settings) {
            assertThat(setting.description())
                    .as("description of %s (javadoc @param of its record, or the additional metadata)", setting.name())
                    .isNotBlank();
        }

        String reference = Files.readString(REFERENCE);
        int begin = reference.indexOf(BEGIN);
        int end = reference.indexOf(END);
        assertThat(begin)
                .as("%s holds the generated region's markers", REFERENCE)
                .isNotNegative();
        assertThat(end).isGreaterThan(begin);
        String expectedReference =
                reference.substring(0, begin + BEGIN.length()) + "\n" + table(settings) + reference.substring(end);
        String expectedConfig = commentedYaml(settings);

        if (Boolean.getBoolean("callhook.docs.write")) {
            Files.writeString(REFERENCE, expectedReference);
            Files.createDirectories(RELEASE_CONFIG.getParent());
            Files.writeString(RELEASE_CONFIG, expectedConfig);
        }
        assertThat(Files.readString(REFERENCE))
                .as("%s is out of date: run %s", REFERENCE, REGENERATE)
                .isEqualTo(expectedReference);
        assertThat(Files.exists(RELEASE_CONFIG) ? Files.readString(RELEASE_CONFIG) : "")
                .as("%s is out of date: run %s", RELEASE_CONFIG, REGENERATE)
                .isEqualTo(expectedConfig);
    }

    static List<Setting> settings() throws IOException {
        assertThat(METADATA).as("the build's configuration metadata").exists();
        JsonNode root = new ObjectMapper().readTree(METADATA.toFile());
        TreeMap<String, Setting> byName = new TreeMap<>();
        for (JsonNode property : root.path("properties")) {
            String name = property.path("name").asText();
            if (!name.startsWith("callhook.") || property.has("deprecation")) {
                continue;
            }
            JsonNode value = property.get("defaultValue");
            String defaultValue = value == null || value.isNull() ? "" : value.isArray() ? join(value) : value.asText();
            byName.put(
                    name, new Setting(name, prose(property.path("description").asText("")), defaultValue));
        }
        return new ArrayList<>(byName.values());
    }

    static String join(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return String.join(",", values);
    }

    static final Pattern CODE = Pattern.compile("\\{@(?:code|literal) ([^}]*)}");
    static final Pattern LINK = Pattern.compile("\\{@link(?:plain)? #?([^} ]*)(?: ([^}]*))?}");

    /** Javadoc as one line of Markdown: {@code x} as `x`, links as their text, HTML and line breaks gone. */
    static String prose(String javadoc) {
        String text = CODE.matcher(javadoc).replaceAll(m -> Matcher.quoteReplacement("`" + m.group(1) + "`"));
        text = LINK.matcher(text)
                .replaceAll(m -> Matcher.quoteReplacement(m.group(2) != null ? m.group(2) : "`" + m.group(1) + "`"));
        text = text.replaceAll("<[^>]+>", "").replaceAll("\\s+", " ").trim();
        return text.replace("|", "\\|");
    }

    static String table(List<Setting> settings) {
        StringBuilder table = new StringBuilder();
        table.append("| variable | property | meaning | default |\n|---|---|---|---|\n");
        for (Setting setting : settings) {
            table.append("| `")
                    .append(setting.variable())
                    .append("` | `")
                    .append(setting.name())
                    .append("` | ")
                    .append(setting.description())
                    .append(" | ")
                    .append(setting.defaultValue().isEmpty() ? "unset" : "`" + setting.defaultValue() + "`")
                    .append(" |\n");
        }
        return table.toString();
    }

    /** Every setting as YAML under its path, commented out, with its meaning above it. */
    static String commentedYaml(List<Setting> settings) {
        StringBuilder yaml = new StringBuilder();
        yaml.append("""
                # callhook's settings, every one commented out: as shipped, the defaults apply. Uncomment and change
                # what you need; an environment variable wins over this file (callhook.webhook.port is
                # CALLHOOK_WEBHOOK_PORT). Secrets belong in the environment (the systemd unit's EnvironmentFile), not
                # here. Spring Boot reads this file as ./config/application.yaml from the working directory.
                # The same list, with Spring Boot's own settings (the database, ports), is docs/configuration.md.
                # Generated from the build's configuration metadata (ConfigurationReferenceTest).
                #
                """);
        List<String> open = new ArrayList<>();
        for (Setting setting : settings) {
            String[] path = setting.name().split("\\.");
            int common = 0;
            while (common < open.size()
                    && common < path.length - 1
                    && open.get(common).equals(path[common])) {
                common++;
            }
            while (open.size() > common) {
                open.remove(open.size() - 1);
            }
            for (int i = common; i < path.length - 1; i++) {
                yaml.append("# ").append("  ".repeat(i)).append(path[i]).append(":\n");
                open.add(path[i]);
            }
            String indent = "  ".repeat(path.length - 1);
            for (String line : wrap(setting.description(), 100 - indent.length())) {
                yaml.append("# ").append(indent).append("# ").append(line).append('\n');
            }
            String value = setting.defaultValue();
            yaml.append("# ")
                    .append(indent)
                    .append(path[path.length - 1])
                    .append(':')
                    .append(value.isEmpty() ? "" : " " + quoted(value))
                    .append('\n');
        }
        return yaml.toString();
    }

    static String quoted(String value) {
        return value.matches("[A-Za-z0-9_./:-]+") && !value.matches("(?i)yes|no|on|off|null|~")
                ? value
                : "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.replace("\\|", "|").replace("`", "").split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }

    @Test
    void anEnvironmentVariableIsTheSettingsNameAsSpringBootBindsIt() {
        assertThat(new Setting("callhook.webhook.max-body-size", "x", "").variable())
                .isEqualTo("CALLHOOK_WEBHOOK_MAX_BODY_SIZE");
        assertThat(prose("the {@code standard-webhooks} scheme, see {@link #MIN_LENGTH}\n   more"))
                .isEqualTo("the `standard-webhooks` scheme, see `MIN_LENGTH` more");
    }
}
