package io.callhook.slack;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.callhook.delivery.FailureKind;
import org.apache.camel.CamelExchangeException;
import org.springframework.stereotype.Component;

/**
 * Reads Slack's answer out of camel-slack's failure. camel-slack reports a non-2xx webhook answer only as
 * a {@link CamelExchangeException} whose message prints the SDK's {@code WebhookResponse} (code, headers,
 * body); it has no typed accessor, so the status and {@code Retry-After} are read from that text.
 */
@Component
class SlackFailures implements FailureKind {

    private static final Pattern CODE = Pattern.compile("Error POSTing to Slack API: WebhookResponse\\(code=(\\d{3})");
    private static final Pattern RETRY_AFTER = Pattern.compile("retry-after=\\[(\\d{1,6})]", Pattern.CASE_INSENSITIVE);

    @Override
    public Optional<Boolean> isTransient(Throwable failure) {
        return code(failure).map(code -> code == 429 || code >= 500);
    }

    static Optional<Integer> code(Throwable failure) {
        return match(failure, CODE).map(Integer::parseInt);
    }

    /** Slack's {@code Retry-After} in a 429, if it sent one. */
    static Optional<Duration> retryAfter(Throwable failure) {
        if (code(failure).filter(code -> code == 429).isEmpty()) {
            return Optional.empty();
        }
        return match(failure, RETRY_AFTER).map(seconds -> Duration.ofSeconds(Long.parseLong(seconds)));
    }

    private static Optional<String> match(Throwable failure, Pattern pattern) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CamelExchangeException && t.getMessage() != null) {
                Matcher matcher = pattern.matcher(t.getMessage());
                if (matcher.find()) {
                    return Optional.of(matcher.group(1));
                }
            }
        }
        return Optional.empty();
    }
}
