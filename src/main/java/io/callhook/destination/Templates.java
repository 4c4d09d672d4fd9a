package io.callhook.destination;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import freemarker.cache.ClassTemplateLoader;
import freemarker.cache.FileTemplateLoader;
import freemarker.cache.TemplateLoader;
import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Renders the templates of a routes folder ({@code callhook.templates}: {@code file:…/templates}, or the copy
 * in the jar) with FreeMarker. A saved template is used by the next message: each use checks whether the
 * file changed. Templates are data for people to edit, not a way to run Java: {@code ?new} and {@code ?api}
 * are refused. A template sees its data as {@code ${body.…}}.
 */
@Component
public class Templates {

    private final String location;
    private final Map<String, Configuration> byLocation = new ConcurrentHashMap<>();

    public Templates(@Value("${callhook.templates}") String location) {
        this.location = location;
    }

    /** Where the service's templates are: {@code file:…/templates}, or {@code classpath:routes/templates}. */
    public String location() {
        return location;
    }

    /** Renders {@code name} of the templates at {@code location} ({@code file:…} or {@code classpath:…}). */
    public String render(String location, String name, Object body) {
        if (name == null || name.isBlank() || name.contains("..") || name.startsWith("/")) {
            throw new IllegalArgumentException("no template named '" + name + "'");
        }
        try {
            StringWriter out = new StringWriter();
            byLocation
                    .computeIfAbsent(location, Templates::configuration)
                    .getTemplate(name)
                    .process(Map.of("body", body), out);
            return out.toString();
        } catch (freemarker.template.TemplateNotFoundException e) {
            throw new IllegalArgumentException("template " + name + " not found in " + location, e);
        } catch (TemplateException e) {
            throw new IllegalArgumentException("template " + name + " does not render: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("template " + name + " could not be read: " + e.getMessage(), e);
        }
    }

    private static Configuration configuration(String location) {
        Configuration configuration = new Configuration(Configuration.VERSION_2_3_34);
        configuration.setDefaultEncoding("UTF-8");
        configuration.setTemplateLoader(loader(location));
        // read at each use: an edit is live for the next message
        configuration.setTemplateUpdateDelayMilliseconds(0);
        configuration.setLocalizedLookup(false);
        configuration.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        configuration.setLogTemplateExceptions(false);
        configuration.setWrapUncheckedExceptions(true);
        configuration.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        configuration.setAPIBuiltinEnabled(false);
        return configuration;
    }

    /** The loader of the templates at {@code location}: a folder ({@code file:…}) or the jar's copy. */
    public static TemplateLoader loader(String location) {
        if (location.startsWith("classpath:")) {
            return new ClassTemplateLoader(Templates.class, "/" + location.substring("classpath:".length()));
        }
        try {
            return new FileTemplateLoader(new File(location.startsWith("file:") ? location.substring(5) : location));
        } catch (IOException e) {
            throw new UncheckedIOException("no templates folder at " + location, e);
        }
    }
}
