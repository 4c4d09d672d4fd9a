package io.callhook.web;

import java.io.IOException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/** {@link SecurityHeaders} on every answer of Tomcat's listener (health, metrics, admin API, console). */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class SecurityHeadersFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        // the decoded, normalized path; a path that is not the console's gets the strictest headers
        String path = request.getServletPath();
        boolean console = path.equals("/console") || path.startsWith("/console/") || path.startsWith("/webjars/");
        (console ? SecurityHeaders.CONSOLE : SecurityHeaders.VALUES).forEach(response::setHeader);
        chain.doFilter(request, response);
    }
}
