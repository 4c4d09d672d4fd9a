package io.callhook.delivery;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/** A destination's queue of deliveries in the database (see {@link DeliveriesComponent}); consume only. */
@UriEndpoint(
        firstVersion = "0.1.0",
        scheme = "deliveries",
        title = "callhook deliveries",
        syntax = "deliveries:channel",
        consumerOnly = true,
        category = {Category.DATABASE})
public class DeliveriesEndpoint extends DefaultEndpoint {

    @UriPath(description = "The destination's name, as call_delivery records it")
    private final String channel;

    @UriParam(description = "Sends of this destination at once", defaultValue = "4")
    private int consumers;

    @UriParam(description = "Most deliveries one claim takes", defaultValue = "50")
    private int batch;

    DeliveriesEndpoint(String uri, DeliveriesComponent component, String channel) {
        super(uri, component);
        this.channel = channel;
    }

    @Override
    public DeliveriesComponent getComponent() {
        return (DeliveriesComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException(
                "deliveries: is only consumed; the routing table records deliveries at intake");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        DeliveriesConsumer consumer = new DeliveriesConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    public String getChannel() {
        return channel;
    }

    public int getConsumers() {
        return consumers;
    }

    public void setConsumers(int consumers) {
        if (consumers < 1) {
            throw new IllegalArgumentException("consumers must be at least 1");
        }
        this.consumers = consumers;
    }

    public int getBatch() {
        return batch;
    }

    public void setBatch(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1");
        }
        this.batch = batch;
    }
}
