package io.callhook.testing;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;

import com.icegreen.greenmail.util.GreenMail;

/** What arrived at the real SMTP server (GreenMail), by delivery. */
public final class Mailbox {

    private final GreenMail smtp;

    public Mailbox(GreenMail smtp) {
        this.smtp = smtp;
    }

    /** Every copy received (one per recipient) whose text mentions the delivery id. */
    public List<MimeMessage> about(String deliveryId) {
        return Arrays.stream(smtp.getReceivedMessages())
                .filter(m -> text(m).contains(deliveryId))
                .toList();
    }

    /** Every copy received whose subject contains {@code words}. */
    public List<MimeMessage> withSubject(String words) {
        return Arrays.stream(smtp.getReceivedMessages())
                .filter(m -> {
                    try {
                        return m.getSubject() != null && m.getSubject().contains(words);
                    } catch (MessagingException e) {
                        return false;
                    }
                })
                .toList();
    }

    public static String text(MimeMessage message) {
        return part(message, "text/plain");
    }

    public static String html(MimeMessage message) {
        return part(message, "text/html");
    }

    public static String header(MimeMessage message, String name) {
        try {
            String[] values = message.getHeader(name);
            return values == null ? null : String.join(",", values);
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String part(MimeMessage message, String type) {
        try {
            Object content = message.getContent();
            if (content instanceof String text) {
                return message.isMimeType(type) ? text : "";
            }
            return find((Multipart) content, type);
        } catch (IOException | MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String find(Multipart multipart, String type) throws MessagingException, IOException {
        for (int i = 0; i < multipart.getCount(); i++) {
            BodyPart part = multipart.getBodyPart(i);
            if (part.isMimeType(type)) {
                return (String) part.getContent();
            }
            if (part.getContent() instanceof Multipart nested) {
                String found = find(nested, type);
                if (!found.isEmpty()) {
                    return found;
                }
            }
        }
        return "";
    }
}
