package io.callhook.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class SignInThrottleTest {

    /** A clock the test moves. */
    static final class Hands extends Clock {
        Instant now = Instant.parse("2026-12-07T10:00:00Z");

        void pass(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    final Hands clock = new Hands();
    final SignInThrottle throttle = new SignInThrottle(clock);

    @Test
    void eachFailureAfterTheFreeOnesDoublesTheWaitUpToItsLongest() {
        String guesser = "203.0.113.7";
        throttle.failed(guesser);
        throttle.failed(guesser);
        assertThat(throttle.waitMillis(guesser))
                .as("two wrong tokens are only counted")
                .isZero();
        throttle.failed(guesser);
        assertThat(throttle.waitMillis(guesser)).isEqualTo(1_000);
        clock.pass(Duration.ofSeconds(1));
        throttle.failed(guesser);
        assertThat(throttle.waitMillis(guesser)).isEqualTo(2_000);
        clock.pass(Duration.ofSeconds(2));
        throttle.failed(guesser);
        assertThat(throttle.waitMillis(guesser)).isEqualTo(4_000);
        for (int i = 0; i < 40; i++) {
            throttle.failed(guesser);
        }
        assertThat(throttle.waitMillis(guesser)).isEqualTo(SignInThrottle.LONGEST.toMillis());
        assertThat(throttle.waitMillis("198.51.100.1"))
                .as("another address is not held up")
                .isZero();
    }

    @Test
    void aSuccessOrAnHourWithoutGuessesForgetsTheAddress() {
        String operator = "192.0.2.10";
        for (int i = 0; i < 5; i++) {
            throttle.failed(operator);
        }
        throttle.succeeded(operator);
        assertThat(throttle.waitMillis(operator)).isZero();
        throttle.failed(operator);
        assertThat(throttle.waitMillis(operator)).as("counting starts again").isZero();

        for (int i = 0; i < 5; i++) {
            throttle.failed(operator);
        }
        clock.pass(SignInThrottle.FORGET.plusSeconds(1));
        throttle.failed(operator);
        assertThat(throttle.waitMillis(operator)).isZero();
    }

    @Test
    void aFloodFromManyAddressesKeepsABoundedNumberOfThem() {
        for (int i = 0; i < SignInThrottle.ADDRESSES + 5_000; i++) {
            throttle.failed("2001:db8::" + Integer.toHexString(i));
        }
        assertThat(throttle.addresses()).isEqualTo(SignInThrottle.ADDRESSES);
    }

    @Test
    void theMinutesGuessesAreLoggedOnceWithTheirCounts(CapturedOutput output) throws InterruptedException {
        for (int i = 0; i < 7; i++) {
            throttle.failed("203.0.113.9");
            throttle.waitMillis("203.0.113.9");
        }
        throttle.failed("198.51.100.2");
        assertThat(output.getOut()).doesNotContain("Console sign-in");

        throttle.report();
        throttle.report();

        // the service's console appender writes from a thread of its own
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(
                        () -> assertThat(output.getOut().lines().filter(line -> line.contains("Console sign-in")))
                                .singleElement()
                                .asString()
                                .contains("8 wrong token(s)", "5 attempt(s) refused", "203.0.113.9 (7)"));
        Thread.sleep(200);
        assertThat(output.getOut().lines().filter(line -> line.contains("Console sign-in")))
                .as("once")
                .hasSize(1);
    }
}
