package io.callhook.mail;

import java.util.Properties;

import org.apache.camel.Ordered;
import org.apache.camel.component.mail.MailComponent;
import org.apache.camel.component.mail.MailConfiguration;
import org.apache.camel.spi.ComponentCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The SMTP account of the summary email as a Camel component, {@code summary-mail}: routes send with
 * {@code summary-mail:<host>}, and the port, credentials and addresses come from
 * {@code CALLHOOK_MAIL_*} without ever appearing in an endpoint URI or a log line.
 */
@Configuration(proxyBeanMethods = false)
class SummaryMailServer {

    static final String COMPONENT = "summary-mail";

    @Bean(COMPONENT)
    MailComponent summaryMailComponent() {
        return new MailComponent();
    }

    /**
     * Applied last: camel-mail-starter's customizer copies its {@code camel.component.mail.*} defaults into
     * every mail component, protocol and host included, which would undo this one.
     */
    @Bean
    ComponentCustomizer summaryMailSettings(MailProperties properties) {
        return ComponentCustomizer.builder(MailComponent.class)
                .withCondition((name, component) -> COMPONENT.equals(name))
                .withOrder(Ordered.LOWEST)
                .build(component -> component.setConfiguration(configuration(properties)));
    }

    private static MailConfiguration configuration(MailProperties properties) {
        MailConfiguration smtp = new MailConfiguration();
        smtp.configureProtocol("smtp");
        smtp.setIgnoreUriScheme(true);
        smtp.setHost(properties.host());
        smtp.setPort(properties.port());
        if (properties.username() != null && !properties.username().isBlank()) {
            smtp.setUsername(properties.username());
            smtp.setPassword(properties.password());
        }
        smtp.setFrom(properties.from());
        smtp.setTo(properties.to());
        smtp.setContentType("text/html; charset=UTF-8");
        int timeout = (int) properties.timeout().toMillis();
        smtp.setConnectionTimeout(timeout);
        smtp.setAdditionalJavaMailProperties(javaMail(properties, timeout));
        return smtp;
    }

    /** Every socket step of a send is bounded (camel-mail sets connect and read, not write); STARTTLS on request. */
    private static Properties javaMail(MailProperties properties, int timeout) {
        Properties mail = new Properties();
        mail.setProperty("mail.smtp.writetimeout", Integer.toString(timeout));
        if (properties.starttls()) {
            mail.setProperty("mail.smtp.starttls.enable", "true");
            mail.setProperty("mail.smtp.starttls.required", "true");
        }
        return mail;
    }
}
