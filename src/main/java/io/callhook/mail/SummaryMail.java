package io.callhook.mail;

import java.util.Map;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import io.callhook.call.CallFacts;
import org.apache.camel.Variable;
import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;

/**
 * The summary email: the data its templates see and the one mail header built from payload
 * text (the subject), cleaned so it can neither add a header nor a recipient.
 */
@Component("summaryMail")
public class SummaryMail {

    static final int MAX_SUBJECT_LENGTH = 200;

    private final MailProperties properties;

    public SummaryMail(MailProperties properties) {
        this.properties = properties;
        if (properties.enabled()) {
            requireAddresses("CALLHOOK_MAIL_FROM", properties.from());
            requireAddresses("CALLHOOK_MAIL_TO", properties.to());
        }
    }

    /** Data for the plain-text templates (subject and text part): the values as sent. */
    public Map<String, String> text(CallFacts call) {
        return model(call, false);
    }

    /** Data for the HTML template: the same values, HTML-escaped. */
    public Map<String, String> html(CallFacts call) {
        return model(call, true);
    }

    /** The rendered subject made safe for a header: one line of printable text, bounded. */
    public static String subject(@Variable("subject") String rendered) {
        String line = rendered == null ? "" : rendered.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ");
        line = line.replaceAll("\\s+", " ").strip();
        return line.length() <= MAX_SUBJECT_LENGTH ? line : line.substring(0, MAX_SUBJECT_LENGTH - 1) + "…";
    }

    private Map<String, String> model(CallFacts call, boolean html) {
        Map<String, String> model = call.fields();
        if (properties.includeTranscript() && call.transcript() != null) {
            model.put("transcript", call.transcript());
        }
        if (html) {
            model.replaceAll((key, value) -> value == null ? null : HtmlUtils.htmlEscape(value, "UTF-8"));
        }
        model.values().removeIf(value -> value == null);
        return model;
    }

    private static void requireAddresses(String variable, String addresses) {
        if (addresses == null || addresses.isBlank()) {
            throw new IllegalStateException("CALLHOOK_MAIL_HOST is set, so " + variable + " must be set too");
        }
        try {
            InternetAddress.parse(addresses, true);
        } catch (AddressException e) {
            throw new IllegalStateException(
                    variable + " is not a valid, comma-separated list of addresses: " + e.getMessage(), e);
        }
    }
}
