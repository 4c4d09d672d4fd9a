package io.callhook.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import jakarta.servlet.DispatcherType;

import io.callhook.admin.AdminProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.DisabledException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Who may use the console ({@code /console} on the admin port): whoever signs in with the admin token
 * ({@code CALLHOOK_ADMIN_TOKEN}) gets a session cookie ({@code HttpOnly}, {@code SameSite=Strict},
 * {@code Secure} over HTTPS; see application.yaml). Every POST carries the session's CSRF token; a page
 * without a session redirects to sign-in; a wrong token is refused without saying why. The JSON API keeps
 * its bearer token ({@code AdminSecurity}) and never reads this cookie.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class ConsoleSecurity {

    static final String SIGN_IN = "/console/sign-in";

    @Bean
    @Order(0)
    SecurityFilterChain consoleSignIn(HttpSecurity http, AdminProperties properties) throws Exception {
        return http.securityMatcher("/console", "/console/**", "/webjars/**")
                .authorizeHttpRequests(
                        requests -> requests.requestMatchers(SIGN_IN, "/console/assets/**", "/webjars/**")
                                .permitAll()
                                .dispatcherTypeMatchers(DispatcherType.ERROR)
                                .permitAll()
                                .anyRequest()
                                .authenticated())
                .authenticationManager(new ProviderManager(adminToken(properties)))
                .formLogin(form -> form.loginPage(SIGN_IN)
                        .loginProcessingUrl(SIGN_IN)
                        .usernameParameter("user")
                        .passwordParameter("token")
                        .defaultSuccessUrl("/console", true)
                        .failureUrl(SIGN_IN + "?failed"))
                .logout(logout -> logout.logoutUrl("/console/sign-out")
                        .logoutSuccessUrl(SIGN_IN + "?signed-out")
                        .deleteCookies(Console.COOKIE))
                .sessionManagement(sessions -> sessions.sessionFixation().changeSessionId())
                // io.callhook.web.SecurityHeadersFilter sets the console's headers (its CSP included)
                .headers(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .build();
    }

    /** The token as the password of the one user, compared in constant time. */
    static AuthenticationProvider adminToken(AdminProperties properties) {
        return new AuthenticationProvider() {
            @Override
            public Authentication authenticate(Authentication authentication) {
                if (!properties.enabled()) {
                    throw new DisabledException("the console is off");
                }
                Object credentials = authentication.getCredentials();
                if (credentials == null
                        || !MessageDigest.isEqual(
                                credentials.toString().getBytes(StandardCharsets.UTF_8),
                                properties.token().getBytes(StandardCharsets.UTF_8))) {
                    throw new BadCredentialsException("wrong token");
                }
                return UsernamePasswordAuthenticationToken.authenticated(
                        "admin", null, List.of(new SimpleGrantedAuthority("ROLE_ADMIN")));
            }

            @Override
            public boolean supports(Class<?> authentication) {
                return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
            }
        };
    }
}
