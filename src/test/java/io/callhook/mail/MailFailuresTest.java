package io.callhook.mail;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;

import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MailFailuresTest {

    final MailFailures failures = new MailFailures();

    @Test
    void smtpFourHundredsAreRetriedFiveHundredsAreNot() throws Exception {
        assertThat(failures.isTransient(
                        new SMTPSendFailedException("DATA", 451, "451 try later", null, null, null, null)))
                .contains(true);
        assertThat(failures.isTransient(
                        new SMTPSendFailedException("DATA", 554, "554 rejected", null, null, null, null)))
                .contains(false);
        assertThat(failures.isTransient(new SendFailedException(
                        "failed",
                        new SMTPAddressFailedException(
                                new InternetAddress("ops@example.com"), "RCPT", 550, "550 no such user"))))
                .contains(false);
    }

    @Test
    void aRefusedLoginIsFinalAndALostConnectionIsNot() {
        assertThat(failures.isTransient(new AuthenticationFailedException("535 bad login")))
                .contains(false);
        assertThat(failures.isTransient(new MessagingException("connection lost")))
                .contains(true);
        assertThat(failures.isTransient(new IllegalStateException("not mail"))).isEmpty();
    }
}
