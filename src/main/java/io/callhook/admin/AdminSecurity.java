package io.callhook.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Who may use the admin port ({@code server.port}): everyone may ask {@code /actuator/health} and its groups
 * (status only); everything else, the admin API and metrics included, wants {@code Authorization: Bearer
 * <CALLHOOK_ADMIN_TOKEN>}, compared in constant time. Deny by default: a path nobody listed is refused too.
 *
 * <p>Decisions are made by Spring Security on the normalized path: Tomcat decodes it and drops
 * {@code ;parameters} before matching, and Spring Security's firewall refuses what could be read two ways
 * (a {@code ;}, an encoded slash or dot, {@code //}, {@code ./} and {@code ../} segments) with 400 before
 * anything is matched. ({@code /%61pi/events} is {@code /api/events} and wants the token.)
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class AdminSecurity {

    private static final Logger log = LoggerFactory.getLogger(AdminSecurity.class);

    @Bean
    SecurityFilterChain adminPort(HttpSecurity http, AdminProperties properties) throws Exception {
        return http.authorizeHttpRequests(
                        requests -> requests.requestMatchers("/actuator/health", "/actuator/health/**")
                                .permitAll()
                                // the error page of a request already let through (a 404 for an admin, say)
                                .dispatcherTypeMatchers(DispatcherType.ERROR)
                                .permitAll()
                                .anyRequest()
                                .authenticated())
                .addFilterBefore(new BearerToken(properties), AnonymousAuthenticationFilter.class)
                .exceptionHandling(handling -> handling.authenticationEntryPoint(refusal(properties))
                        .accessDeniedHandler(
                                (request, response, denied) -> write(response, 403, "{\"error\":\"not allowed\"}")))
                // a token in a header, no cookie: nothing that a forged cross-site request could carry
                .csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                // SecurityHeadersFilter sets the same headers on every answer of both listeners
                .headers(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .build();
    }

    /** A request the firewall refuses gets a JSON 400 that does not repeat it. */
    @Bean
    RequestRejectedHandler requestRejected() {
        return (request, response, rejected) -> {
            log.debug("Refused a request to the admin port: {}", rejected.getMessage());
            write(response, 400, "{\"error\":\"request refused\"}");
        };
    }

    /** Without a token configured the admin surface is off for everyone; otherwise 401, never saying why. */
    private static AuthenticationEntryPoint refusal(AdminProperties properties) {
        return (request, response, failure) -> {
            if (!properties.enabled()) {
                write(response, 403, "{\"error\":\"the admin API is off: set CALLHOOK_ADMIN_TOKEN\"}");
                return;
            }
            response.setHeader("WWW-Authenticate", "Bearer");
            write(response, 401, "{\"error\":\"missing or wrong admin token\"}");
        };
    }

    static void write(HttpServletResponse response, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** {@code Authorization: Bearer <token>}: the right token authenticates the request as the admin. */
    static final class BearerToken extends OncePerRequestFilter {

        private final AdminProperties properties;

        BearerToken(AdminProperties properties) {
            this.properties = properties;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String header = request.getHeader("Authorization");
            if (properties.enabled()
                    && header != null
                    && header.regionMatches(true, 0, "Bearer ", 0, 7)
                    && MessageDigest.isEqual(
                            header.substring(7).trim().getBytes(StandardCharsets.UTF_8),
                            properties.token().getBytes(StandardCharsets.UTF_8))) {
                SecurityContext context = SecurityContextHolder.createEmptyContext();
                context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
                        "admin", null, List.of(new SimpleGrantedAuthority("ROLE_ADMIN"))));
                SecurityContextHolder.setContext(context);
            }
            chain.doFilter(request, response);
        }
    }
}
