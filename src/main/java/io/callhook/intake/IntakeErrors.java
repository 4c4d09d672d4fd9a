package io.callhook.intake;

import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Turns whatever stopped an intake into the HTTP answer the platform acts on: 4xx for a delivery it
 * must not retry as is, 503 for a fault on our side it should retry. Never a stack trace.
 */
@Component("intakeErrors")
public class IntakeErrors {

    private static final Logger log = LoggerFactory.getLogger(IntakeErrors.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LogBudget refusals = new LogBudget(log, "refused deliveries", 20, Duration.ofSeconds(10));
    private final LogBudget outages = new LogBudget(log, "deliveries answered 503", 20, Duration.ofSeconds(10));

    /** Called by the intake route's exception handler with the caught exception on the exchange. */
    public void respond(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Object deliveryId = exchange.getProperty("deliveryId");
        int status;
        String error;
        List<String> details = List.of();
        if (failure instanceof WebhookRejected rejected) {
            status = rejected.status();
            error = rejected.getMessage();
            details = rejected.details();
            if (refusals.allows()) {
                log.info(
                        "Rejected delivery {} with {}: {} {}",
                        deliveryId,
                        status,
                        LogBudget.printable(error, 300),
                        LogBudget.printable(details, 500));
            }
        } else if (ObjectHelper.getException(SQLException.class, failure) != null) {
            status = 503;
            error = "storage unavailable, retry later";
            if (outages.allows()) {
                log.error(
                        "Could not store delivery {}: answering 503 so the platform retries: {}",
                        deliveryId,
                        failure.toString());
            }
        } else {
            status = 500;
            error = "internal error";
            log.error("Unexpected failure on delivery {}", deliveryId, failure);
        }
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(body(error, details));
    }

    public static String body(String error, List<String> details) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        if (!details.isEmpty()) {
            body.put("details", details);
        }
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
