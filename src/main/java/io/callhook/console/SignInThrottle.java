package io.callhook.console;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Slows down whoever guesses the admin token: after {@link #FREE} failed sign-ins in a row from one client
 * address, that address is refused without a check for a delay that doubles with each further failure (1 s,
 * 2 s, 4 s … at most {@link #LONGEST}); a success forgets the address. A refused attempt is answered at once
 * (a redirect to the sign-in page saying how long to wait), never by holding one of the admin port's few
 * threads. Failures and refusals are logged once a minute, with counts, not once each.
 *
 * <p>The state is one small entry per address, at most {@link #ADDRESSES} of them (the least recently seen
 * go first): a flood from many addresses costs a bounded amount of memory. The address is Tomcat's remote
 * address, which a proxy on a private address may set from {@code X-Forwarded-For} (RemoteIpValve).
 */
final class SignInThrottle {

    static final int FREE = 3;
    static final Duration LONGEST = Duration.ofMinutes(15);
    static final Duration FORGET = Duration.ofHours(1);
    static final int ADDRESSES = 10_000;

    private static final Logger log = LoggerFactory.getLogger(SignInThrottle.class);

    private final Clock clock;
    private final Map<String, Guesses> byAddress = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Guesses> eldest) {
            return size() > ADDRESSES;
        }
    };
    private ScheduledExecutorService reporter;
    // this minute's figures, for the summary line
    private int failed;
    private int refused;
    private String loudest;
    private int loudestCount;

    SignInThrottle(Clock clock) {
        this.clock = clock;
    }

    /** Failures in a row from one address, and until when it is refused. */
    private static final class Guesses {
        int failures;
        long lastMillis;
        long refusedUntilMillis;
    }

    /**
     * The filter that refuses a sign-in from a waiting address before its token is looked at. Not a bean: a
     * servlet filter bean would also be put in front of every request of the admin port.
     */
    OncePerRequestFilter filter() {
        return new OncePerRequestFilter() {
            @Override
            protected boolean shouldNotFilter(HttpServletRequest request) {
                return !("POST".equals(request.getMethod())
                        && ConsoleSecurity.SIGN_IN.equals(request.getServletPath()));
            }

            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                long wait = waitMillis(request.getRemoteAddr());
                if (wait > 0) {
                    long seconds = Math.max(1, (wait + 999) / 1000);
                    response.setHeader("Retry-After", Long.toString(seconds));
                    response.sendRedirect(request.getContextPath() + ConsoleSecurity.SIGN_IN + "?wait=" + seconds);
                    return;
                }
                chain.doFilter(request, response);
            }
        };
    }

    /** How long this address must wait before its next attempt is checked; 0: it may try now. */
    synchronized long waitMillis(String address) {
        Guesses guesses = byAddress.get(address);
        long now = clock.millis();
        if (guesses == null || now >= guesses.refusedUntilMillis) {
            return 0;
        }
        refused++;
        return guesses.refusedUntilMillis - now;
    }

    /** A wrong token from this address: counted, and past the free ones the address waits longer each time. */
    synchronized void failed(String address) {
        long now = clock.millis();
        Guesses guesses = byAddress.computeIfAbsent(address, a -> new Guesses());
        if (now - guesses.lastMillis > FORGET.toMillis()) {
            guesses.failures = 0;
        }
        guesses.failures++;
        guesses.lastMillis = now;
        if (guesses.failures >= FREE) {
            int doublings = Math.min(30, guesses.failures - FREE);
            long delay = Math.min(LONGEST.toMillis(), 1000L << doublings);
            guesses.refusedUntilMillis = now + delay;
        }
        failed++;
        if (guesses.failures > loudestCount) {
            loudest = address;
            loudestCount = guesses.failures;
        }
    }

    synchronized void succeeded(String address) {
        byAddress.remove(address);
    }

    /** The minute's summary, when anything was tried; then the next minute starts from nothing. */
    synchronized void report() {
        if (failed == 0 && refused == 0) {
            return;
        }
        log.warn(
                "Console sign-in: {} wrong token(s) and {} attempt(s) refused while waiting in the last minute;"
                        + " most in a row from {} ({})",
                failed,
                refused,
                loudest,
                loudestCount);
        failed = 0;
        refused = 0;
        loudest = null;
        loudestCount = 0;
    }

    synchronized int addresses() {
        return byAddress.size();
    }

    void start() {
        reporter = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "console-sign-ins");
            thread.setDaemon(true);
            return thread;
        });
        reporter.scheduleAtFixedRate(this::report, 1, 1, TimeUnit.MINUTES);
    }

    void stop() {
        if (reporter != null) {
            reporter.shutdownNow();
        }
        report();
    }
}
