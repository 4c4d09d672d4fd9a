package io.callhook.metrics;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * {@code callhook_intake_seconds{status}}: from the request's arrival to its answer, as the platform
 * waits for it. platform-http answers asynchronously, so the timer stops when the async request completes.
 */
class IntakeTimer extends OncePerRequestFilter {

    private final MeterRegistry registry;
    private final Map<Integer, Timer> timers = new ConcurrentHashMap<>();

    IntakeTimer(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Timer.Sample sample = Timer.start(registry);
        try {
            chain.doFilter(request, response);
        } finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        stop(sample, response);
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {}

                    @Override
                    public void onError(AsyncEvent event) {}

                    @Override
                    public void onStartAsync(AsyncEvent event) {}
                });
            } else {
                stop(sample, response);
            }
        }
    }

    private void stop(Timer.Sample sample, HttpServletResponse response) {
        // one timer per status, built once: this runs for every webhook
        sample.stop(timers.computeIfAbsent(
                response.getStatus(),
                status -> Timer.builder("callhook.intake")
                        .description("Time to answer a webhook delivery")
                        .tag("status", Integer.toString(status))
                        .publishPercentileHistogram()
                        .register(registry)));
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {

        @Bean
        FilterRegistrationBean<IntakeTimer> intakeTimer(MeterRegistry registry) {
            FilterRegistrationBean<IntakeTimer> registration = new FilterRegistrationBean<>(new IntakeTimer(registry));
            registration.addUrlPatterns("/webhook");
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
            registration.setAsyncSupported(true);
            return registration;
        }
    }
}
