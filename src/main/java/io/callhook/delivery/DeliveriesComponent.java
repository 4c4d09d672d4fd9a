package io.callhook.delivery;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.callhook.audit.AuditLog;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * {@code deliveries:<channel>}: a destination's PENDING deliveries, taken from the database in batches under a
 * lease (see {@link DeliveryQueue}), one exchange per delivery, sent by {@code consumers} threads at once. The
 * first step of the {@code channel} route template. A commit of this instance that owes a destination
 * something wakes its consumer at once ({@link AuditLog.Committed}); otherwise it looks every
 * {@code callhook.delivery.poll}. Leases of the batches in flight are renewed here.
 */
@Component("deliveries")
public class DeliveriesComponent extends DefaultComponent implements AuditLog.Committed {

    final DeliveryQueue queue;
    final DeliveryProperties properties;
    final Senders senders;
    final Holds holds;
    final SendMemory memory;
    private final ObjectProvider<Verdicts> verdicts;
    private final Map<String, Set<DeliveriesConsumer>> consumers = new ConcurrentHashMap<>();
    private ScheduledExecutorService renewals;

    public DeliveriesComponent(
            DeliveryQueue queue,
            DeliveryProperties properties,
            Senders senders,
            Holds holds,
            SendMemory memory,
            ObjectProvider<Verdicts> verdicts) {
        this.queue = queue;
        this.properties = properties;
        this.senders = senders;
        this.holds = holds;
        this.memory = memory;
        this.verdicts = verdicts;
    }

    /** The verdicts, for an error no step of the route handled (it counts as a failed try). */
    Verdicts verdicts() {
        return verdicts.getObject();
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException("deliveries: needs a destination's name, e.g. deliveries:slack");
        }
        DeliveriesEndpoint endpoint = new DeliveriesEndpoint(uri, this, remaining);
        endpoint.setConsumers(properties.consumers());
        endpoint.setBatch(properties.batch());
        setProperties(endpoint, parameters);
        return endpoint;
    }

    @Override
    public void pending(Set<String> channels) {
        for (String channel : channels) {
            Set<DeliveriesConsumer> waiting = consumers.get(channel);
            if (waiting != null) {
                waiting.forEach(DeliveriesConsumer::wake);
            }
        }
    }

    void started(DeliveriesConsumer consumer) {
        consumers
                .computeIfAbsent(consumer.channel(), c -> ConcurrentHashMap.newKeySet())
                .add(consumer);
    }

    void stopped(DeliveriesConsumer consumer) {
        Set<DeliveriesConsumer> of = consumers.get(consumer.channel());
        if (of != null) {
            of.remove(consumer);
        }
    }

    /** A memory reservation was given back: consumers that waited for room may claim again. */
    void roomFreed() {
        consumers.values().forEach(of -> of.forEach(DeliveriesConsumer::wake));
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        renewals = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "deliveries-leases");
            thread.setDaemon(true);
            return thread;
        });
        long every = Math.max(1000, properties.lease().toMillis() / 3);
        renewals.scheduleWithFixedDelay(this::renewAll, every, every, TimeUnit.MILLISECONDS);
    }

    private void renewAll() {
        consumers.values().forEach(of -> of.forEach(consumer -> consumer.renew(properties.lease())));
    }

    @Override
    protected void doStop() throws Exception {
        if (renewals != null) {
            renewals.shutdownNow();
            renewals.awaitTermination(5, TimeUnit.SECONDS);
        }
        super.doStop();
    }

    Duration lease() {
        return properties.lease();
    }
}
