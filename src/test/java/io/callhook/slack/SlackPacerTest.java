package io.callhook.slack;

import java.time.Duration;

import org.apache.camel.CamelExchangeException;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlackPacerTest {

    static final String RATE_LIMITED =
            "Error POSTing to Slack API: WebhookResponse(code=429, message=Too Many Requests,"
                    + " headers={content-type=[text/plain], retry-after=[2]}, body=rate_limited)";

    final SlackPacer pacer = new SlackPacer(new SlackProperties(null, null, false, Duration.ofMillis(200), 3));

    @Test
    void aBurstGoesAtOnceThenOnePostPerInterval() throws Exception {
        long started = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            pacer.await("team");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(150));

        pacer.await("team");
        pacer.await("team");

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(390));
    }

    @Test
    void webhooksArePacedApart() throws Exception {
        for (int i = 0; i < 3; i++) {
            pacer.await("team");
        }
        long started = System.nanoTime();
        pacer.await("alerts");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(100));
    }

    @Test
    void a429HoldsTheWebhookForItsRetryAfterAndTheFailureGoesOn() throws Exception {
        Exchange failed = new DefaultExchange(new DefaultCamelContext());
        failed.setVariable("slackWebhook", "team");
        CamelExchangeException failure = new CamelExchangeException(RATE_LIMITED, failed);
        failed.setProperty(Exchange.EXCEPTION_CAUGHT, failure);

        assertThatThrownBy(() -> pacer.backOff(failed)).isSameAs(failure);
        long started = System.nanoTime();
        pacer.await("team");

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofMillis(1900));
    }

    @Test
    void slacksAnswerIsReadFromCamelSlacksFailure() {
        CamelExchangeException failure = new CamelExchangeException(RATE_LIMITED, null);

        assertThat(SlackFailures.code(failure)).contains(429);
        assertThat(SlackFailures.retryAfter(failure)).contains(Duration.ofSeconds(2));
        assertThat(new SlackFailures().isTransient(failure)).contains(true);
        assertThat(new SlackFailures()
                        .isTransient(new CamelExchangeException(
                                "Error POSTing to Slack API: WebhookResponse(code=404, message=Not Found, headers={}, body=no_service)",
                                null)))
                .contains(false);
        assertThat(new SlackFailures().isTransient(new IllegalStateException("other")))
                .isEmpty();
    }
}
