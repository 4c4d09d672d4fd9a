package io.callhook.routes;

import freemarker.core.TemplateClassResolver;
import org.apache.camel.Ordered;
import org.apache.camel.component.freemarker.FreemarkerComponent;
import org.apache.camel.spi.ComponentCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Templates are data for people to edit, not a way to run Java: FreeMarker's {@code ?new} (create an object
 * of any class that implements a template model, {@code freemarker.template.utility.Execute} among them,
 * which runs a shell command) and {@code ?api} (call an object's Java methods) are refused for every template
 * the routes render, and in {@code validate}, which renders through the same component.
 */
@Configuration(proxyBeanMethods = false)
class TemplateSandbox {

    @Bean
    ComponentCustomizer freemarkerSandbox() {
        // applied last: camel-freemarker-starter's own customizer copies its settings onto the component first
        return ComponentCustomizer.builder(FreemarkerComponent.class)
                .withOrder(Ordered.LOWEST)
                .build(component -> {
                    // a copy of the component's configuration (its loader reads file: and classpath: templates),
                    // restricted and set back: every endpoint, cached or not, starts from a copy of this one
                    freemarker.template.Configuration configuration = component.getConfiguration();
                    configuration.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
                    configuration.setAPIBuiltinEnabled(false);
                    component.setConfiguration(configuration);
                });
    }
}
