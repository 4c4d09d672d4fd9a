package io.callhook.routes;

import freemarker.core.TemplateClassResolver;
import io.callhook.destination.Templates;
import org.apache.camel.Ordered;
import org.apache.camel.component.freemarker.FreemarkerComponent;
import org.apache.camel.spi.ComponentCustomizer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Templates are data for people to edit, not a way to run Java: FreeMarker's {@code ?new} (create an object
 * of any class that implements a template model, {@code freemarker.template.utility.Execute} among them,
 * which runs a shell command) and {@code ?api} (call an object's Java methods) are refused for every template
 * the routes render, and in {@code validate}, which renders through the same component. Templates are read
 * again at each use, so an operator's edit needs no restart.
 */
@Configuration(proxyBeanMethods = false)
class TemplateSandbox {

    @Bean
    ComponentCustomizer freemarkerSandbox(@Value("${callhook.templates}") String templates) {
        // applied last: camel-freemarker-starter's own customizer copies its settings onto the component first
        return ComponentCustomizer.builder(FreemarkerComponent.class)
                .withOrder(Ordered.LOWEST)
                .build(component -> {
                    // a copy of the component's configuration (its loader reads file: and classpath: templates),
                    // restricted and set back: every endpoint, cached or not, starts from a copy of this one
                    freemarker.template.Configuration configuration = component.getConfiguration();
                    configuration.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
                    configuration.setAPIBuiltinEnabled(false);
                    // read at each use: a saved template applies to the next message (an endpoint's own
                    // templateUpdateDelay only applies when above zero, so it cannot ask for this)
                    configuration.setTemplateUpdateDelayMilliseconds(0);
                    // A route names a template by its name in the templates folder (freemarker:slack.json.ftl),
                    // read by this loader: FreeMarker keeps it parsed and checks the file's date at each use.
                    // (A file: URI would be read by the endpoint instead, cached as bytes and never seen again
                    // when edited, and parsed at every message.)
                    configuration.setTemplateLoader(Templates.loader(templates));
                    configuration.setLocalizedLookup(false);
                    component.setConfiguration(configuration);
                });
    }
}
