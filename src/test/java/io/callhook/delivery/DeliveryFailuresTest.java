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
    void aRenderingMistakeIsNotRetried() {
        assertThat(failures.isTransient(new IllegalArgumentException("Slack template did not render valid JSON")))
                .isFalse();
        assertThat(failures.isTransient(
                        new freemarker.template.TemplateNotFoundException("slack-x.json.ftl", null, "not found")))
                .as("a missing template is an IOException to FreeMarker, and no try finds it")
                .isFalse();
    }

    @Test
    void anHttpAnswerSpeaksForItself() {
        assertThat(failures.isTransient(answer(503))).isTrue();
        assertThat(failures.isTransient(answer(429))).isTrue();
        assertThat(failures.isTransient(answer(408))).isTrue();
        assertThat(failures.isTransient(answer(404))).isFalse();
        assertThat(failures.isTransient(answer(400))).isFalse();
    }

    @Test
    void aStopIsNoVerdict() {
        assertThat(failures.cutShort(new RuntimeException(new InterruptedException())))
                .isTrue();
        assertThat(failures.cutShort(new java.util.concurrent.RejectedExecutionException("stopping")))
                .isTrue();
        assertThat(failures.cutShort(new java.net.ConnectException("refused"))).isFalse();
    }

    static org.apache.camel.http.base.HttpOperationFailedException answer(int status) {
        return new org.apache.camel.http.base.HttpOperationFailedException("http://x", status, "", null, null, "");
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
