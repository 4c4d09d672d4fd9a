package io.callhook.delivery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

class DeliveriesConsumerTest {

    /**
     * An error no step of the route handles (a defect: here a route without the error handling of the channel
     * template) is one failed try, recorded with its reason: before, the delivery was given back and claimed
     * again at once, hundreds of times a second, for ever.
     */
    @Test
    void anErrorNoStepHandledIsAFailedTryNotAnEndlessResend() throws Exception {
        DeliveryQueue queue = mock(DeliveryQueue.class);
        Owed owed = new Owed("evt-1", "broken", 0, "run:1", 1024, Map.of("callId", "call-1"));
        AtomicInteger claims = new AtomicInteger();
        when(queue.token(anyLong())).thenReturn("run:1");
        when(queue.claim(eq("broken"), anyInt(), any(), anyString(), any(), anyBoolean(), anyBoolean()))
                .thenAnswer(call -> claims.getAndIncrement() == 0 ? List.of(owed) : List.of());
        Senders senders = mock(Senders.class);
        when(senders.sender("broken"))
                .thenReturn(Optional.of(new Senders.Sender(null, "http://127.0.0.1:9/", 0, false, false)));
        Holds holds = mock(Holds.class);
        when(holds.remaining(any())).thenReturn(Duration.ZERO);
        Verdicts verdicts = mock(Verdicts.class);
        // as the real one does once the try is written
        doAnswer(call -> {
                    call.<Exchange>getArgument(0).setProperty(DeliveriesConsumer.VERDICT, true);
                    return null;
                })
                .when(verdicts)
                .failed(any());
        @SuppressWarnings("unchecked")
        ObjectProvider<Verdicts> provider = mock(ObjectProvider.class);
        when(provider.getObject()).thenReturn(verdicts);
        DeliveryProperties properties = new DeliveryProperties(
                Duration.ofSeconds(60),
                Duration.ofMillis(200),
                10,
                1,
                DataSize.ofMegabytes(1),
                new DeliveryProperties.Retry(8, Duration.ofSeconds(1), Duration.ofSeconds(30)));

        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.addComponent(
                    "deliveries",
                    new DeliveriesComponent(queue, properties, senders, holds, new SendMemory(properties), provider));
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    errorHandler(noErrorHandler());
                    from("deliveries:broken").routeId("broken").process(exchange -> {
                        throw new IllegalStateException("a defect");
                    });
                }
            });
            camel.start();

            ArgumentCaptor<Exchange> failed = ArgumentCaptor.forClass(Exchange.class);
            verify(verdicts, timeout(5_000)).failed(failed.capture());
            assertThat(failed.getValue().getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class))
                    .hasMessage("a defect");
            assertThat(failed.getValue().getProperty(Owed.PROPERTY)).isEqualTo(owed);
            // the poll goes on (nothing else is due), and the delivery was never handed back to be sent again
            await().atMost(Duration.ofSeconds(5)).until(() -> claims.get() >= 3);
            verify(queue, never()).release(eq("broken"), any(), any());
        }
    }
}
