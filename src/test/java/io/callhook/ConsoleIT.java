package io.callhook;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.icegreen.greenmail.util.GreenMail;
import io.callhook.intake.WebhookServer;
import io.callhook.testing.BlockKitPage;
import io.callhook.testing.Http;
import io.callhook.testing.Mailbox;
import io.callhook.testing.Samples;
import io.callhook.testing.SmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console in a real browser (Debian's headless Chromium through its chromedriver, both installed by
 * .ci/run): sign in, find Jane Roe's call, replay its FAILED Slack message and see it SENT, replay the other
 * Slack failures in bulk, see the dashboard's charts hold data. Without a session or a CSRF token nothing
 * is done. A failing browser test leaves a screenshot under target/.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:console;DB_CLOSE_DELAY=-1",
            "callhook.admin.token=console-test-token-0123",
            "callhook.slack.min-interval=50ms",
            // messages link to the console as operators reach it, and show times in the operators' zone
            "callhook.console-url=https://callhook.example.com:8081",
            "callhook.time-zone=Europe/Paris"
        })
class ConsoleIT {

    static final String TOKEN = "console-test-token-0123";
    static final WireMockServer slack =
            new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    static final int SMTP_PORT = SmtpServer.freePort();
    static final GreenMail smtp = SmtpServer.start(SMTP_PORT);
    static final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    static {
        slack.start();
    }

    @DynamicPropertySource
    static void channels(DynamicPropertyRegistry properties) {
        properties.add("callhook.slack.webhook-url", () -> slack.baseUrl() + "/services/team");
        properties.add("callhook.slack.alerts-webhook-url", () -> slack.baseUrl() + "/services/alerts");
        SmtpServer.configure(properties, () -> SMTP_PORT, "ops@example.com");
    }

    @LocalServerPort
    int port;

    @Autowired
    WebhookServer webhook;

    @Autowired
    JdbcTemplate jdbc;

    @AfterAll
    static void stop() {
        slack.stop();
        smtp.stop();
    }

    @Test
    void withoutASessionOrItsCsrfTokenNothingIsShownOrDone() throws Exception {
        for (String page : List.of(
                "/console",
                "/console/events",
                "/console/events/x",
                "/console/replays",
                "/console/dashboard.json",
                "/console/events/x/transcript")) {
            HttpResponse<String> answer = get(page, null);
            assertThat(answer.statusCode()).as(page).isEqualTo(302);
            assertThat(answer.headers().firstValue("Location").orElse(""))
                    .as(page)
                    .endsWith("/console/sign-in");
        }
        for (String action : List.of(
                "/console/events/x/replay",
                "/console/replays",
                "/console/replays/count",
                "/console/sign-out",
                "/console/sign-in")) {
            assertThat(postForm(action, "token=" + TOKEN + "&user=admin", null).statusCode())
                    .as("POST %s without a CSRF token", action)
                    .isEqualTo(403);
        }

        HttpResponse<String> signIn = get("/console/sign-in", null);
        assertThat(signIn.statusCode()).isEqualTo(200);
        assertThat(signIn.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'")
                .doesNotContain("unsafe-inline");
        // an anonymous visitor gets no session: the form's CSRF token rides in a cookie of its own
        assertThat(signIn.headers().allValues("Set-Cookie").toString()).doesNotContain("CALLHOOK_CONSOLE=");
        String session = cookie(signIn, "CALLHOOK_CSRF");
        assertThat(signIn.headers().allValues("Set-Cookie").toString())
                .contains("HttpOnly")
                .contains("SameSite=Strict")
                .contains("Path=/console");
        String csrf = csrf(signIn.body());
        assertThat(signIn.headers().allValues("Set-Cookie").toString()).doesNotContain("Secure");
        HttpResponse<String> behindTls = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/console/sign-in"))
                        .header("X-Forwarded-Proto", "https")
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(behindTls.headers().allValues("Set-Cookie").toString())
                .as("behind a proxy that terminates TLS")
                .contains("Secure");

        HttpResponse<String> wrong = postForm("/console/sign-in", "user=admin&token=wrong&_csrf=" + csrf, session);
        assertThat(wrong.statusCode()).isEqualTo(302);
        assertThat(wrong.headers().firstValue("Location").orElseThrow()).endsWith("/console/sign-in?failed");
        assertThat(wrong.headers().allValues("Set-Cookie").toString())
                .as("a failed sign-in keeps nothing")
                .doesNotContain("CALLHOOK_CONSOLE=");
        HttpResponse<String> failedPage = get("/console/sign-in?failed", session);
        assertThat(failedPage.body()).contains("Sign-in failed.").doesNotContain("wrong token");

        HttpResponse<String> right =
                postForm("/console/sign-in", "user=admin&token=" + TOKEN + "&_csrf=" + csrf, session);
        assertThat(right.statusCode()).isEqualTo(302);
        assertThat(right.headers().firstValue("Location").orElseThrow()).endsWith("/console");
        String signedIn = cookie(right, "CALLHOOK_CONSOLE");
        assertThat(get("/console/events", signedIn).statusCode()).isEqualTo(200);
        assertThat(postForm("/console/replays/count", "channel=slack", signedIn).statusCode())
                .as("signed in, but no CSRF token")
                .isEqualTo(403);
        assertThat(get("/api/events", signedIn).statusCode())
                .as("the JSON API wants its bearer token, not the console's cookie")
                .isEqualTo(401);
    }

    /**
     * Guesses of the token from one address are slowed down: three wrong ones are checked, then that address
     * is told to wait (1 s, then 2 s, …) without its token being looked at, the right one included; once it
     * has waited, the right token gets in and the address is forgotten.
     */
    @Test
    void guessesFromOneAddressAreSlowedDownAndTheRightTokenGetsInAfterTheWait() throws Exception {
        HttpResponse<String> page = get("/console/sign-in", null);
        String csrfCookie = cookie(page, "CALLHOOK_CSRF");
        String csrf = csrf(page.body());
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> wrong =
                    postForm("/console/sign-in", "user=admin&token=guess-" + i + "&_csrf=" + csrf, csrfCookie);
            assertThat(wrong.headers().firstValue("Location").orElseThrow()).endsWith("/console/sign-in?failed");
        }
        HttpResponse<String> held =
                postForm("/console/sign-in", "user=admin&token=" + TOKEN + "&_csrf=" + csrf, csrfCookie);
        assertThat(held.statusCode()).isEqualTo(302);
        assertThat(held.headers().firstValue("Location").orElseThrow()).endsWith("/console/sign-in?wait=1");
        assertThat(held.headers().allValues("Set-Cookie").toString()).doesNotContain("CALLHOOK_CONSOLE=");
        assertThat(get("/console/sign-in?wait=1", null).body())
                .contains("Too many failed sign-ins from your address: try again in 1 s.");

        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> {
                    HttpResponse<String> right =
                            postForm("/console/sign-in", "user=admin&token=" + TOKEN + "&_csrf=" + csrf, csrfCookie);
                    assertThat(right.headers().firstValue("Location").orElseThrow())
                            .endsWith("/console");
                    assertThat(get("/console/events", cookie(right, "CALLHOOK_CONSOLE"))
                                    .statusCode())
                            .isEqualTo(200);
                });
    }

    @Test
    void anOperatorFindsACallReplaysItAndReplaysTheRestInBulk() throws Exception {
        Http http = new Http(webhook.getPort(), port);
        slackAnswersOk();
        // a day of calls for the dashboard, all delivered
        List<String> day = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            for (String sample : List.of("call-ended", "call-ended-unsuccessful")) {
                Samples call = Samples.of(sample).data(d -> d.put("customerName", "Day Caller"));
                assertThat(http.postJson("/webhook", call.json()).statusCode()).isEqualTo(200);
                day.add(call.id());
            }
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> day.stream()
                        .allMatch(id -> jdbc.queryForObject(
                                                "SELECT count(*) FROM call_delivery WHERE delivery_id = ? AND status = 'SENT'",
                                                Integer.class,
                                                id)
                                        > 0
                                && jdbc.queryForObject(
                                                "SELECT count(*) FROM call_delivery WHERE delivery_id = ? AND status = 'PENDING'",
                                                Integer.class,
                                                id)
                                        == 0));
        // then the team webhook is revoked: three calls fail on Slack, Jane Roe's among them
        slack.stubFor(post(urlPathEqualTo("/services/team"))
                .willReturn(aResponse().withStatus(404).withBody("no_service")));
        Samples jane = Samples.of("call-ended-unknown-outcome").data(d -> d.put("customerName", "Jane Roe"));
        List<Samples> others = List.of(
                Samples.of("call-ended-unknown-outcome").data(d -> d.put("customerName", "Ann Other")),
                Samples.of("call-ended-unknown-outcome").data(d -> d.put("customerName", "Bo Third")));
        assertThat(http.postJson("/webhook", jane.json()).statusCode()).isEqualTo(200);
        for (Samples other : others) {
            assertThat(http.postJson("/webhook", other.json()).statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> jdbc.queryForObject(
                                "SELECT count(*) FROM call_delivery WHERE channel = 'slack' AND status = 'FAILED'",
                                Integer.class)
                        == 3);

        // the backlog two hours ago, as the sampler wrote it then
        jdbc.update(
                "INSERT INTO backlog_sample (sampled_at, pending, undispatched) VALUES (?, 7, 3)",
                java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC)
                        .minusHours(2)
                        .truncatedTo(java.time.temporal.ChronoUnit.MINUTES));

        WebDriver browser = browser();
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            String console = "http://127.0.0.1:" + port + "/console";

            browser.get(console);
            wait.until(ExpectedConditions.urlContains("/console/sign-in"));
            browser.findElement(By.id("token")).sendKeys(TOKEN);
            browser.findElement(By.cssSelector("#sign-in button")).click();
            wait.until(ExpectedConditions.urlToBe(console));

            // the dashboard: its charts hold points, not just a canvas
            wait.until(ExpectedConditions.attributeToBe(By.id("dashboard"), "data-drawn", "true"));
            for (String chart :
                    List.of("events-by-outcome", "deliveries", "failure-rate", "disconnections", "sentiment")) {
                Object points = ((JavascriptExecutor) browser)
                        .executeScript(
                                "return Chart.getChart(arguments[0]).data.datasets"
                                        + ".reduce((n, d) => n + d.data.filter(v => v > 0).length, 0);",
                                chart);
                assertThat(((Number) points).intValue())
                        .as("points drawn in %s", chart)
                        .isPositive();
            }
            Object backlog = ((JavascriptExecutor) browser)
                    .executeScript("return Chart.getChart('backlog').data.datasets.map(d => Math.max(...d.data));");
            assertThat(backlog.toString()).isEqualTo("[7, 3]");
            Files.createDirectories(Path.of("target"));
            screenshot(browser, "console-dashboard.png");

            // find Jane Roe's call by her name, open it
            browser.get(console + "/events");
            assertThat(browser.findElements(By.cssSelector("#results tbody tr")))
                    .hasSizeGreaterThan(1);
            browser.findElement(By.id("customer")).sendKeys("jane roe");
            browser.findElement(By.id("find")).click();
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#results tbody tr"), 1));
            assertThat(browser.findElement(By.id("results")).getText()).contains("Jane Roe", "slack FAILED");
            assertThat(browser.getCurrentUrl())
                    .as("the search is in the address, to share")
                    .contains("customer=jane%20roe");
            browser.findElement(By.cssSelector("#results a.event-link")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("delivery-slack"), "FAILED"));
            assertThat(browser.findElement(By.id("delivery-slack")).getText()).contains("HTTP 404 from slack");
            browser.findElement(By.id("show-transcript")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("transcript"), "(no transcript)"));
            screenshot(browser, "console-event.png");

            // Slack takes messages again: replay the channel, see it SENT
            slack.stubFor(post(urlPathEqualTo("/services/team"))
                    .willReturn(aResponse().withStatus(200).withBody("ok")));
            browser.findElement(By.cssSelector("#delivery-slack button.replay-channel"))
                    .click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "Replaying slack"));
            String eventPage = browser.getCurrentUrl();
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        browser.get(eventPage);
                        return browser.findElement(By.id("delivery-slack"))
                                .getText()
                                .contains("SENT");
                    });
            // its timeline: the refused attempt, then the accepted one; and the message that went out
            List<org.openqa.selenium.WebElement> attempts =
                    browser.findElements(By.cssSelector("#timeline-slack li.refused, #timeline-slack li.accepted"));
            assertThat(attempts).hasSize(2);
            assertThat(attempts.get(0).getText()).contains("HTTP 404 from slack: no_service");
            assertThat(attempts.get(1).getText()).contains("accepted");
            browser.findElement(By.cssSelector("#message-slack button.show-message"))
                    .click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message-slack"), "\"blocks\""));
            assertThat(browser.findElement(By.id("message-slack")).getText())
                    .contains("Content-Type")
                    .doesNotContain(slack.baseUrl());
            screenshot(browser, "console-event.png");

            // the other two in bulk: count first, then confirm, then watch it finish
            browser.get(console + "/replays");
            browser.findElement(By.id("replay-channel")).sendKeys("slack");
            browser.findElement(By.id("count")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(
                    By.id("matching"), "2 FAILED deliveries of 2 events match."));
            browser.findElement(By.id("confirm")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("replay-state"), "Done: 2 sent"));
            for (Samples other : others) {
                assertThat(jdbc.queryForObject(
                                "SELECT status FROM call_delivery WHERE delivery_id = ? AND channel = 'slack'",
                                String.class,
                                other.id()))
                        .isEqualTo("SENT");
            }

            browser.findElement(By.cssSelector(".sign-out button")).click();
            wait.until(ExpectedConditions.urlContains("/console/sign-in?signed-out"));
            browser.get(console + "/events");
            wait.until(ExpectedConditions.urlContains("/console/sign-in"));
        } catch (Throwable failure) {
            screenshot(browser, "console-failure.png");
            throw failure;
        } finally {
            browser.quit();
        }
    }

    /**
     * The messages as people read them: the email in Chromium, the Slack message drawn as Slack draws Block Kit.
     * Each links to its call's page in the console, shows times in the operators' zone as people write them and
     * the reason as words, and a missing name as the number alone. The pictures are the ones in docs/.
     */
    @Test
    void messagesLeadToTheCallAndReadAsPeopleWriteThem() throws Exception {
        Http http = new Http(webhook.getPort(), port);
        slackAnswersOk();
        Samples successful = Samples.of("call-ended");
        Samples nameless = Samples.of("call-ended-unsuccessful").data(d -> d.remove("customerName"));
        assertThat(http.postJson("/webhook", successful.json()).statusCode()).isEqualTo(200);
        assertThat(http.postJson("/webhook", nameless.json()).statusCode()).isEqualTo(200);

        Mailbox mailbox = new Mailbox(smtp);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !mailbox.about(successful.id()).isEmpty());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> slack.getAllServeEvents().stream()
                        .anyMatch(e -> e.getRequest().getUrl().equals("/services/alerts")
                                && e.getRequest().getBodyAsString().contains(nameless.id())));
        var mail = mailbox.about(successful.id()).get(0);
        String html = Mailbox.html(mail);
        String text = Mailbox.text(mail);
        String slackJson = slack.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getBodyAsString().contains(nameless.id()))
                .findFirst()
                .orElseThrow()
                .getRequest()
                .getBodyAsString();
        String console = "https://callhook.example.com:8081/console/events/";

        // as sent: the link, the time in Paris on 5 April 2026 (summer time), the reason as words
        assertThat(html)
                .contains("<a href=\"" + console + successful.id() + "\"", "Open this call in the console")
                .contains("5 Apr 2026, 16:00 CEST", "5 Apr 2026, 16:04 CEST", "Agent hung up", "John Doe (+1234567890)")
                .doesNotContain("2026-04-05T14:00:00Z", "agent_hangup");
        assertThat(text).contains("Open this call in the console: " + console + successful.id(), "Agent hung up");
        List<String> slackTexts = new java.util.ArrayList<>();
        texts(Samples.JSON.readTree(slackJson), slackTexts);
        assertThat(slackTexts)
                .contains("<" + console + nameless.id() + "|Open this call in the console>", "*Customer*\n+1234567890")
                .anyMatch(t -> t.contains("Customer hung up"))
                .noneMatch(t -> t.contains("(+1234567890)") || t.contains("customer_hangup"));

        // as seen: the email in the browser, the Slack message drawn as Block Kit
        Path pages = Files.createDirectories(Path.of("target", "messages"));
        Path emailPage = pages.resolve("email.html");
        Files.writeString(emailPage, html);
        Path slackPage = pages.resolve("slack.html");
        Files.writeString(slackPage, BlockKitPage.html(slackJson));
        WebDriver browser = browser();
        try {
            browser.manage().window().setSize(new org.openqa.selenium.Dimension(760, 760));
            browser.get(emailPage.toUri().toString());
            String seen = browser.findElement(By.tagName("body")).getText();
            assertThat(seen)
                    .contains("Successful call with John Doe", "Started 5 Apr 2026, 16:00 CEST", "Agent hung up");
            assertThat(browser.findElement(By.linkText("Open this call in the console"))
                            .getAttribute("href"))
                    .isEqualTo(console + successful.id());
            picture(browser, "email-summary.png");

            browser.get(slackPage.toUri().toString());
            seen = browser.findElement(By.tagName("body")).getText();
            assertThat(seen)
                    .contains("Unsuccessful call with +1234567890", "Customer hung up", "Customer\n+1234567890");
            assertThat(browser.findElement(By.linkText("Open this call in the console"))
                            .getAttribute("href"))
                    .isEqualTo(console + nameless.id());
            picture(browser, "slack-message.png");
        } finally {
            browser.quit();
        }
    }

    /** Both Slack webhooks take every post. */
    static void slackAnswersOk() {
        for (String webhook : List.of("/services/team", "/services/alerts")) {
            slack.stubFor(post(urlPathEqualTo(webhook))
                    .willReturn(aResponse().withStatus(200).withBody("ok")));
        }
    }

    /** Every string under a "text" key, however deep: what Slack shows of a message. */
    static void texts(com.fasterxml.jackson.databind.JsonNode node, List<String> into) {
        node.fields().forEachRemaining(field -> {
            if (field.getKey().equals("text") && field.getValue().isTextual()) {
                into.add(field.getValue().asText());
            }
        });
        node.forEach(child -> texts(child, into));
    }

    /** A picture for docs/ (the ones the docs show are what this test asserts), and a copy under target/. */
    static void picture(WebDriver browser, String name) throws IOException {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.createDirectories(Path.of("target"));
        Files.copy(shot.toPath(), Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(shot.toPath(), Path.of("docs", name), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Debian's Chromium and chromedriver: nothing is downloaded (Selenium Manager is not asked). */
    static WebDriver browser() throws IOException {
        File driver = new File("/usr/bin/chromedriver");
        File chromium = new File("/usr/bin/chromium");
        assertThat(driver)
                .as("chromium-driver is installed (.ci/run installs it)")
                .exists();
        assertThat(chromium).as("chromium is installed (.ci/run installs it)").exists();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1400,1000",
                "--user-data-dir=" + Files.createTempDirectory("console-chromium"));
        ChromeDriverService service =
                new ChromeDriverService.Builder().usingDriverExecutable(driver).build();
        WebDriver browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        return browser;
    }

    static void screenshot(WebDriver browser, String name) {
        try {
            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.createDirectories(Path.of("target"));
            Files.copy(shot.toPath(), Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
        } catch (RuntimeException | IOException e) {
            System.err.println("No screenshot " + name + ": " + e);
        }
    }

    HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postForm(String path, String form, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String cookie(HttpResponse<String> answer, String name) {
        return answer.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(name + "="))
                .map(c -> c.substring(0, c.indexOf(';')))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no session cookie in " + answer.headers()));
    }

    static String csrf(String page) {
        Matcher matcher = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page);
        assertThat(matcher.find()).as("a CSRF token in the form").isTrue();
        return matcher.group(1);
    }
}
