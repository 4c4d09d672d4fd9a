package io.callhook.delivery;

import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.serde.ToStringKafkaHeaderDeserializer;
import org.apache.camel.spi.ComponentCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Kafka carries header values as bytes. The routing table reads the delivery id from a header, and the
 * tracer reads {@code traceparent} from one: both expect text, so every Kafka consumer reads header values
 * as UTF-8 strings (the headers callhook sends are all text).
 */
@Configuration(proxyBeanMethods = false)
class KafkaHeaders {

    @Bean
    ComponentCustomizer kafkaHeadersAsText() {
        return ComponentCustomizer.forType(
                KafkaComponent.class,
                kafka -> kafka.getConfiguration().setHeaderDeserializer(new ToStringKafkaHeaderDeserializer()));
    }
}
