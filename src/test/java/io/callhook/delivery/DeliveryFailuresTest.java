package io.callhook.delivery;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Optional;

import org.apache.camel.CamelExchangeException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryFailuresTest {

    final DeliveryFailures failures = new DeliveryFailures(List.of(new FakeSlack()));

    @Test
    void networkAndDatabaseFaultsAreRetried() {
        assertThat(failures.isTransient(new ConnectException("refused"))).isTrue();
        assertThat(failures.isTransient(new RuntimeException(new SocketTimeoutException("read timed out"))))
                .isTrue();
        assertThat(failures.isTransient(new java.sql.SQLTransientConnectionException("pool")))
                .isTrue();
    }

    @Test
    void aRenderingMistakeOrALostClaimIsNotRetried() {
        assertThat(failures.isTransient(new IllegalArgumentException("Slack template did not render valid JSON")))
                .isFalse();
        assertThat(failures.isTransient(new LeaseLost("d", "slack"))).isFalse();
    }

    @Test
    void theChannelsOwnVerdictComesFirst() {
        assertThat(failures.isTransient(new CamelExchangeException("slack 503", null)))
                .isTrue();
        assertThat(failures.isTransient(new CamelExchangeException("slack 404", null)))
                .isFalse();
    }

    static final class FakeSlack implements FailureKind {
        @Override
        public Optional<Boolean> isTransient(Throwable failure) {
            if (failure instanceof CamelExchangeException
                    && failure.getMessage().startsWith("slack ")) {
                return Optional.of(failure.getMessage().contains("503"));
            }
            return Optional.empty();
        }
    }
}
