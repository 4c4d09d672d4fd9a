package io.callhook.intake;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bounds the webhook body before Camel reads it: Camel's HTTP binding would otherwise buffer a body of
 * any size. A body over the limit is answered 413 without being read to the end; a body within it is
 * handed on as the exact bytes received, which the signature check needs.
 */
class RequestBodyLimitFilter extends OncePerRequestFilter {

    private final int maxBytes;

    RequestBodyLimitFilter(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!"POST".equals(request.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        if (request.getContentLengthLong() > maxBytes) {
            tooLarge(response);
            return;
        }
        byte[] body = readAtMost(request.getInputStream(), maxBytes);
        if (body == null) {
            tooLarge(response);
            return;
        }
        chain.doFilter(new CachedBodyRequest(request, body), response);
    }

    /** The stream's bytes, or null when there are more than {@code limit}. */
    static byte[] readAtMost(InputStream in, int limit) throws IOException {
        byte[] bytes = in.readNBytes(limit);
        return bytes.length == limit && in.read() != -1 ? null : bytes;
    }

    private void tooLarge(HttpServletResponse response) throws IOException {
        // Tomcat would otherwise drain the rest of an oversized body to keep the connection alive
        response.setHeader("Connection", "close");
        IntakeErrors.write(response, 413, "request body exceeds " + maxBytes + " bytes");
    }

    private static final class CachedBodyRequest extends HttpServletRequestWrapper {

        private final byte[] body;

        CachedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already read");
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {

        @Bean
        FilterRegistrationBean<RequestBodyLimitFilter> webhookBodyLimit(IntakeProperties properties) {
            FilterRegistrationBean<RequestBodyLimitFilter> registration =
                    new FilterRegistrationBean<>(new RequestBodyLimitFilter(properties.maxBodyBytes()));
            registration.addUrlPatterns("/webhook", "/webhook/*");
            return registration;
        }
    }
}
