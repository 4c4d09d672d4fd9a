package io.callhook.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The docs stay true: what they name exists. Every setting they mention is one the service reads, every link and
 * every project path resolves, every bin/callhook and bench command is one that exists, the README's sample is
 * the platform's sample the tests post, and the README stays a page people read to the end.
 */
class DocsTest {

    static final Pattern SETTING = Pattern.compile("\\bCALLHOOK_[A-Z][A-Z_]*[A-Z]\\b");
    static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");
    static final Pattern PROJECT_PATH =
            Pattern.compile("`((?:src|routes|bench|bin|docs|\\.ci)/[A-Za-z0-9_./-]*[A-Za-z0-9_/-])`");
    static final Pattern COMMAND = Pattern.compile(
            "(?m)^\\s*(?:[A-Z_]+=\\S+\\s+)*(bin/callhook|bash bench/[a-z0-9-]+\\.sh|\\./mvnw)\\b([^\\n#]*)");

    static List<Path> docs() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(Path.of("README.md"), Path.of("CHANGELOG.md")));
        try (Stream<Path> files = Files.list(Path.of("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        docs.add(Path.of("bench", "README.md"));
        return docs;
    }

    @Test
    void everySettingTheDocsNameIsOneTheServiceReads() throws IOException {
        Set<String> known = new TreeSet<>();
        for (ConfigurationReferenceTest.Setting setting : ConfigurationReferenceTest.settings()) {
            known.add(setting.variable());
        }
        Set<String> unknown = new TreeSet<>();
        for (Path doc : docs()) {
            if (doc.endsWith("CHANGELOG.md")) {
                continue; // names the settings that are gone, on purpose
            }
            Matcher setting = SETTING.matcher(Files.readString(doc));
            while (setting.find()) {
                if (!known.contains(setting.group())) {
                    unknown.add(doc + ": " + setting.group());
                }
            }
        }
        assertThat(unknown)
                .as("settings named in the docs that the service does not read")
                .isEmpty();
    }

    @Test
    void everyLinkAndProjectPathResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : docs()) {
            String text = Files.readString(doc);
            Matcher link = LINK.matcher(text);
            while (link.find()) {
                String target = link.group(1);
                if (target.startsWith("http://") || target.startsWith("https://")) {
                    continue;
                }
                Path resolved = doc.toAbsolutePath().getParent().resolve(target).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(doc + ": link " + target);
                }
                String anchor = link.group(2);
                if (anchor != null && target.endsWith(".md") && Files.exists(resolved)) {
                    if (!anchors(Files.readString(resolved)).contains(anchor.substring(1))) {
                        broken.add(doc + ": link " + target + anchor);
                    }
                }
            }
            Matcher path = PROJECT_PATH.matcher(text);
            while (path.find()) {
                String named = path.group(1).replaceAll("/$", "");
                if (named.contains("*") || named.contains("<")) {
                    continue;
                }
                if (!Files.exists(Path.of(named))) {
                    broken.add(doc + ": path " + named);
                }
            }
        }
        assertThat(broken).as("links and paths in the docs that lead nowhere").isEmpty();
    }

    /** GitHub's anchors of a Markdown file's headings. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new TreeSet<>();
        for (String line : markdown.split("\n")) {
            if (line.startsWith("#")) {
                anchors.add(line.replaceFirst("^#+\\s*", "")
                        .toLowerCase(java.util.Locale.ROOT)
                        .replaceAll("[^a-z0-9 _-]", "")
                        .replace(' ', '-'));
            }
        }
        return anchors;
    }

    @Test
    void everyCommandTheDocsGiveExists() throws IOException {
        List<String> unknown = new ArrayList<>();
        for (Path doc : docs()) {
            Matcher command = COMMAND.matcher(codeBlocks(Files.readString(doc)));
            while (command.find()) {
                String program = command.group(1);
                String rest = command.group(2).trim();
                if (program.equals("bin/callhook")) {
                    String first = rest.isEmpty() ? "" : rest.split("\\s+")[0];
                    if (!(first.isEmpty()
                            || first.startsWith("--")
                            || first.equals("&")
                            || first.equals("validate")
                            || first.equals("preview"))) {
                        unknown.add(doc + ": bin/callhook " + rest);
                    }
                } else if (program.startsWith("bash bench/")) {
                    if (!Files.exists(Path.of(program.substring("bash ".length())))) {
                        unknown.add(doc + ": " + program);
                    }
                }
            }
        }
        assertThat(unknown).as("commands in the docs that do not exist").isEmpty();
        assertThat(Path.of("bin", "callhook")).isExecutable();
    }

    static final Pattern CODE_BLOCK = Pattern.compile("(?s)```sh\\n(.*?)```");

    /** The shell blocks of a Markdown text: the commands a reader copies. */
    static String codeBlocks(String markdown) {
        StringBuilder blocks = new StringBuilder();
        Matcher block = CODE_BLOCK.matcher(markdown);
        while (block.find()) {
            blocks.append(block.group(1)).append('\n');
        }
        return blocks.toString();
    }

    @Test
    void theReadmesSampleIsThePlatformsSampleAndTheReadmeStaysShort() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        assertThat(readme.lines().count()).as("README lines").isLessThanOrEqualTo(200);
        Matcher heredoc =
                Pattern.compile("<<'JSON'\\n(.*?)\\nJSON", Pattern.DOTALL).matcher(readme);
        assertThat(heredoc.find()).as("the README's sample").isTrue();
        ObjectMapper json = new ObjectMapper();
        // JarRunIT, H2EndToEndIT and the others post this sample: the README's curl sends what they send
        assertThat(json.readTree(heredoc.group(1)))
                .isEqualTo(json.readTree(
                        Path.of("src/main/resources/samples/call-ended.json").toFile()));
        assertThat(readme).contains("./mvnw spring-boot:run", "./mvnw -B verify");
        assertThat(Files.readString(Path.of(".ci", "run"))).contains("./mvnw -B verify");
    }
}
