package io.callhook.destination;

import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.ModelLifecycleStrategy;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A destination's route is named by its channel: a {@code templatedRoute} of the channel template needs no
 * {@code routeId} (Camel would number it, route8…, and the console, the logs and the metrics would say so).
 * Its steps' ids ({@code "{{channel}}-send"}) are given their parameters' values too: Camel resolves a
 * template's placeholders only while it builds the route, and the ids read later (traces, the metrics, a
 * step's errors) would otherwise still say {@code {{channel}}}.
 */
@Configuration(proxyBeanMethods = false)
class DestinationRouteIds {

    static void name(RouteDefinition route) {
        Object channel = route.getTemplateParameters() == null
                ? null
                : route.getTemplateParameters().get("channel");
        if (channel != null && !route.hasCustomIdAssigned()) {
            route.setId(channel.toString());
        }
        Map<String, Object> parameters = route.getTemplateParameters();
        if (parameters == null || parameters.isEmpty()) {
            return;
        }
        for (ProcessorDefinition<?> step :
                ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ProcessorDefinition.class)) {
            String id = step.getId();
            if (id != null && id.contains("{{")) {
                for (Map.Entry<String, Object> parameter : parameters.entrySet()) {
                    id = id.replace("{{" + parameter.getKey() + "}}", String.valueOf(parameter.getValue()));
                }
                step.setId(id);
            }
        }
    }

    @Bean
    CamelContextConfiguration routeIdsByChannel() {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camel) {
                Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
                // the routes read at start are in the model already (not started): named now; those a live edit
                // adds later are named as they are added
                model.getRouteDefinitions().forEach(DestinationRouteIds::name);
                model.addModelLifecycleStrategy(new ModelLifecycleStrategy() {
                    @Override
                    public void onAddRouteDefinition(RouteDefinition route) {
                        name(route);
                    }

                    @Override
                    public void onRemoveRouteDefinition(RouteDefinition route) {}

                    @Override
                    public void onAddRouteTemplateDefinition(RouteTemplateDefinition template) {}

                    @Override
                    public void onRemoveRouteTemplateDefinition(RouteTemplateDefinition template) {}
                });
            }

            @Override
            public void afterApplicationStart(CamelContext camel) {}
        };
    }
}
