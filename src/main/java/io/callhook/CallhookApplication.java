package io.callhook;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class CallhookApplication {

    public static void main(String[] args) {
        SpringApplication.run(CallhookApplication.class, args);
    }
}
