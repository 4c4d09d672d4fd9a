package io.callhook.db;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every SQL statement the service keeps as a constant is spaced: a bound parameter or a word glued to the next
 * clause ({@code received_at < ?GROUP BY}) reads as {@code $2GROUP} to PostgreSQL 15 and newer, which refuse
 * it, while 14 accepts it. The SQL tests run every statement on both majors too; this finds the mistake in
 * a statement no test has reached yet, and says where.
 */
class SqlTextTest {

    private static final Pattern SQL = Pattern.compile("\\b(SELECT|INSERT|UPDATE|DELETE)\\b");
    private static final Pattern GLUED = Pattern.compile(
            "\\?[A-Za-z_]|[a-z0-9_)?'](GROUP BY|ORDER BY|FETCH FIRST|WHERE|FROM|LIMIT|VALUES|RETURNING|SET)\\b");

    @Test
    void everySqlConstantHasASpaceBetweenItsClauses() throws Exception {
        Path classes = Path.of("target", "classes");
        List<String> statements = new ArrayList<>();
        List<String> glued = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes.resolve("io/callhook"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name =
                        classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                for (Field field : fields(name)) {
                    String text = value(field);
                    if (text != null && SQL.matcher(text).find()) {
                        statements.add(name + "." + field.getName());
                        if (GLUED.matcher(text.replaceAll("\\s+", " ")).find()) {
                            glued.add(name + "." + field.getName() + ": " + text);
                        }
                    }
                }
            }
        }
        assertThat(statements).as("the SQL constants found").hasSizeGreaterThan(10);
        assertThat(glued).isEmpty();
    }

    private static String value(Field field) throws IllegalAccessException {
        try {
            return (String) field.get(null);
        } catch (LinkageError unloadable) {
            return null;
        }
    }

    private static List<Field> fields(String className) throws IOException {
        List<Field> strings = new ArrayList<>();
        try {
            Class<?> type = Class.forName(className, false, SqlTextTest.class.getClassLoader());
            for (Field field : type.getDeclaredFields()) {
                int modifiers = field.getModifiers();
                if (Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers) && field.getType() == String.class) {
                    field.setAccessible(true);
                    strings.add(field);
                }
            }
        } catch (ClassNotFoundException | LinkageError unloadable) {
            // a class that cannot be loaded alone holds no SQL of its own
        }
        return strings;
    }
}
