package io.callhook.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import jakarta.servlet.DispatcherType;

import io.callhook.admin.AdminProperties;
import org.apache.catalina.session.StandardManager;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
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
import org.springframework.security.core.session.SessionRegistryImpl;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.session.HttpSessionEventPublisher;

/**
 * Who may use the console ({@code /console} on the admin port): whoever signs in with the admin token
 * ({@code CALLHOOK_ADMIN_TOKEN}) gets a session cookie ({@code HttpOnly}, {@code SameSite=Strict},
 * {@code Secure} over HTTPS; see application.yaml). Every POST carries the CSRF token; a page without a session
 * redirects to sign-in; a wrong token is refused without saying why. The JSON API keeps its bearer token
 * ({@code AdminSecurity}) and never reads this cookie.
 *
 * <p>An anonymous visitor costs the service nothing that outlives the request: no session is created before a
 * successful sign-in (the CSRF token is held in a cookie of its own, no request is saved for after the sign-in,
 * a failed sign-in stores nothing), at most {@link #SESSIONS} sessions live at once (a further sign-in ends the
 * oldest), and guesses of the token are slowed down per client address ({@link SignInThrottle}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class ConsoleSecurity {

    static final String SIGN_IN = "/console/sign-in";
    static final String CSRF_COOKIE = "CALLHOOK_CSRF";
    /** Signed-in operators at once; each session holds a few kilobytes. */
    static final int SESSIONS = 50;

    @Bean
    @Order(0)
    SecurityFilterChain consoleSignIn(HttpSecurity http, AdminProperties properties, SignInThrottle throttle)
            throws Exception {
        SimpleUrlAuthenticationFailureHandler failed = new SimpleUrlAuthenticationFailureHandler(SIGN_IN + "?failed");
        // the default keeps the failure in a new session for the page to show: one session per wrong guess
        failed.setAllowSessionCreation(false);
        SimpleUrlAuthenticationSuccessHandler signedIn = new SimpleUrlAuthenticationSuccessHandler("/console");
        signedIn.setAlwaysUseDefaultTargetUrl(true);
        return http.securityMatcher("/console", "/console/**", "/webjars/**")
                .authorizeHttpRequests(
                        requests -> requests.requestMatchers(SIGN_IN, "/console/assets/**", "/webjars/**")
                                .permitAll()
                                .dispatcherTypeMatchers(DispatcherType.ERROR)
                                .permitAll()
                                .anyRequest()
                                .authenticated())
                .authenticationManager(new ProviderManager(adminToken(properties)))
                .csrf(csrf -> csrf.csrfTokenRepository(csrfCookie()))
                // a page asked for before signing in is not remembered (it would need a session per visitor)
                .requestCache(AbstractHttpConfigurer::disable)
                .addFilterBefore(throttle.filter(), UsernamePasswordAuthenticationFilter.class)
                .formLogin(form -> form.loginPage(SIGN_IN)
                        .loginProcessingUrl(SIGN_IN)
                        .usernameParameter("user")
                        .passwordParameter("token")
                        .successHandler((request, response, authentication) -> {
                            throttle.succeeded(request.getRemoteAddr());
                            signedIn.onAuthenticationSuccess(request, response, authentication);
                        })
                        .failureHandler((request, response, failure) -> {
                            throttle.failed(request.getRemoteAddr());
                            failed.onAuthenticationFailure(request, response, failure);
                        }))
                .logout(logout -> logout.logoutUrl("/console/sign-out")
                        .logoutSuccessUrl(SIGN_IN + "?signed-out")
                        .deleteCookies(Console.COOKIE))
                .sessionManagement(sessions -> sessions.sessionFixation()
                        .newSession()
                        // one user (admin): this caps the console's sessions; a further sign-in ends the oldest
                        .maximumSessions(SESSIONS)
                        .sessionRegistry(new SessionRegistryImpl())
                        .expiredUrl(SIGN_IN + "?expired"))
                // io.callhook.web.SecurityHeadersFilter sets the console's headers (its CSP included)
                .headers(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .build();
    }

    /** The CSRF token in a cookie of the console's own (HttpOnly: the forms carry it, no script reads it). */
    private static CookieCsrfTokenRepository csrfCookie() {
        CookieCsrfTokenRepository cookie = new CookieCsrfTokenRepository();
        cookie.setCookieName(CSRF_COOKIE);
        cookie.setCookiePath("/console");
        cookie.setCookieCustomizer(c -> c.httpOnly(true).sameSite("Strict"));
        return cookie;
    }

    @Bean(initMethod = "start", destroyMethod = "stop")
    SignInThrottle signInThrottle(Clock clock) {
        return new SignInThrottle(clock);
    }

    /** Tells the session registry when a session ends (timeout, sign-out), so it counts live ones only. */
    @Bean
    HttpSessionEventPublisher sessionEvents() {
        return new HttpSessionEventPublisher();
    }

    /**
     * Tomcat's own bound, behind the console's: no more live sessions than twice its cap, whatever creates
     * them, and none written to disk at a stop (they are not worth keeping across a restart).
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> sessionBound() {
        return factory -> factory.addContextCustomizers(context -> {
            StandardManager manager = new StandardManager();
            manager.setMaxActiveSessions(2 * SESSIONS);
            manager.setPathname(null);
            context.setManager(manager);
        });
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
