package io.callhook.delivery;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import org.apache.camel.http.base.HttpOperationFailedException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A destination's Retry-After, as RFC 9110 writes it: seconds or an HTTP date, on a 429 or a 503 only. */
class RetryAfterTest {

    @Test
    void secondsOnA429() {
        assertThat(Holds.retryAfter(answer(429, "3"))).contains(Duration.ofSeconds(3));
    }

    @Test
    void anHttpDateOnA503() {
        String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(10));

        assertThat(Holds.retryAfter(answer(503, inTenSeconds)))
                .hasValueSatisfying(wait -> assertThat(wait).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10)));
    }

    @Test
    void anHourIsCutToTheLongestWaitAllowed() {
        assertThat(Holds.retryAfter(answer(429, "3600"))).contains(Holds.MAX_RETRY_AFTER);
    }

    @Test
    void otherStatusesGarbageAndPastDatesAreIgnored() {
        assertThat(Holds.retryAfter(answer(404, "3"))).isEmpty();
        assertThat(Holds.retryAfter(answer(429, "soon"))).isEmpty();
        assertThat(Holds.retryAfter(answer(503, "Wed, 21 Oct 2015 07:28:00 GMT")))
                .isEmpty();
        assertThat(Holds.retryAfter(new HttpOperationFailedException("http://x", 429, "", null, null, "")))
                .isEmpty();
    }

    static HttpOperationFailedException answer(int status, String retryAfter) {
        return new HttpOperationFailedException("http://x", status, "", null, Map.of("Retry-After", retryAfter), "");
    }
}
