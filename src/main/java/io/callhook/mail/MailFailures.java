package io.callhook.mail;

import java.util.Optional;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;

import io.callhook.delivery.FailureKind;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.springframework.stereotype.Component;

/** SMTP's own classes: a 4yz reply is "try again later", a 5yz is final; a refused login is final too. */
@Component
class MailFailures implements FailureKind {

    @Override
    public Optional<Boolean> isTransient(Throwable failure) {
        boolean mail = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            Integer code = replyCode(t);
            if (code != null) {
                return Optional.of(code >= 400 && code < 500);
            }
            if (t instanceof AuthenticationFailedException) {
                return Optional.of(false);
            }
            mail |= t instanceof MessagingException;
        }
        // no reply code: the server was not reached or the connection broke
        return mail ? Optional.of(true) : Optional.empty();
    }

    private static Integer replyCode(Throwable t) {
        if (t instanceof SMTPSendFailedException e) {
            return e.getReturnCode();
        }
        if (t instanceof SMTPAddressFailedException e) {
            return e.getReturnCode();
        }
        if (t instanceof SMTPSenderFailedException e) {
            return e.getReturnCode();
        }
        return null;
    }
}
