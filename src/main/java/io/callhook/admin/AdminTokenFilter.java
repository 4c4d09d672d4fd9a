package io.callhook.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards the admin API and every actuator endpoint except health: {@code Authorization: Bearer <token>},
 * compared in constant time. Without a configured token the admin surface is off (403) for everyone.
 */
class AdminTokenFilter extends OncePerRequestFilter {

    private final AdminProperties properties;

    AdminTokenFilter(AdminProperties properties) {
        this.properties = properties;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        boolean admin = path.startsWith("/api/") || path.equals("/api");
        boolean actuator = path.startsWith("/actuator")
                && !path.equals("/actuator/health")
                && !path.startsWith("/actuator/health/");
        return !admin && !actuator;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!properties.enabled()) {
            write(response, 403, "{\"error\":\"the admin API is off: set CALLHOOK_ADMIN_TOKEN\"}");
            return;
        }
        String header = request.getHeader("Authorization");
        byte[] given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8)
                : new byte[0];
        if (!MessageDigest.isEqual(given, properties.token().getBytes(StandardCharsets.UTF_8))) {
            response.setHeader("WWW-Authenticate", "Bearer");
            write(response, 401, "{\"error\":\"missing or wrong admin token\"}");
            return;
        }
        chain.doFilter(request, response);
    }

    private static void write(HttpServletResponse response, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {

        @Bean
        FilterRegistrationBean<AdminTokenFilter> adminToken(AdminProperties properties) {
            FilterRegistrationBean<AdminTokenFilter> registration =
                    new FilterRegistrationBean<>(new AdminTokenFilter(properties));
            registration.addUrlPatterns("/api/*", "/actuator/*");
            return registration;
        }
    }
}
