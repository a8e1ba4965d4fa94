package io.daytona.webhooks.svix;

import io.daytona.webhooks.testsupport.HeadlessChromium;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.daytona.webhooks.svix.SvixTestKit.await;
import static io.daytona.webhooks.svix.SvixTestKit.newOrg;
import static io.daytona.webhooks.testsupport.HeadlessChromium.js;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The customer portal in headless Chromium with the Svix provider, against the Svix stand-in (which delivers to a
 * receiver of this test): opened by its portal link, it lists the organization's endpoint and the message sent to
 * it, and shows that message's attempt as Svix recorded it (status code, the receiver's response body) with no
 * console error. Screenshots: {@code target/portal-svix-*.png}. Skipped without Chromium unless
 * {@code WEBHOOKS_REQUIRE_CHROMIUM} is set (CI), where it fails.
 */
class SvixPortalBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private static SvixTestKit kit;
  private static HttpServer receiver;
  private static final List<String> received = new CopyOnWriteArrayList<>();
  private static HeadlessChromium browser;

  @BeforeAll
  static void start() throws Exception {
    HeadlessChromium.requireOrSkip();
    kit = SvixTestKit.withStandIn(Map.of());
    receiver = await(kit.outside.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      received.add(req.path());
      req.response().setStatusCode(200).putHeader("Content-Type", "text/plain").end("svix-receiver-ok " + req.path());
    })).listen(0, "127.0.0.1"));
    browser = HeadlessChromium.start(kit.outside, "portal-svix-chromium.log");
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (kit != null) {
      kit.close();
    }
  }

  @Test
  void thePortalShowsAMessageSentThroughSvixWithItsAttempts() throws Exception {
    String org = newOrg();
    String path = "/svix-portal/" + org;
    String url = "http://127.0.0.1:" + receiver.actualPort() + path;
    HttpResponse<Buffer> created = kit.createEndpoint(org, new JsonObject().put("url", url).put("description", "through Svix"));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String endpointId = created.bodyAsJsonObject().getString("id");
    String eventId = "evt-svix-portal-" + UUID.randomUUID();
    HttpResponse<Buffer> sent = kit.http(HttpMethod.POST, "/organizations/" + org + "/send", org, new JsonObject()
      .put("eventType", "portal.svix").put("eventId", eventId).put("payload", new JsonObject().put("n", 7)));
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    // the outbox hands it to Svix, which delivers it to the receiver
    kit.until(() -> received.contains(path), WAIT);
    assertThat(kit.standIn.messages(org)).hasSize(1);

    HttpResponse<Buffer> minted = kit.http(HttpMethod.POST, "/organizations/" + org + "/portal-access", org, new JsonObject());
    assertThat(minted.statusCode()).as(minted.bodyAsString()).isEqualTo(200);
    String link = minted.bodyAsJsonObject().getString("url");
    String base = "http://127.0.0.1:" + kit.service.port();
    assertThat(link).startsWith(base + "/portal#token=whp_");

    browser.blank();
    browser.clearErrors();
    browser.navigate(link);
    assertThat(browser.eval("location.href")).isEqualTo(base + "/portal");
    assertThat(browser.waitFor("document.body.dataset.state === 'ready'", WAIT)).as("the portal started: %s", browser.text("#notice")).isTrue();
    assertThat(browser.waitFor("document.querySelector(" + js("#endpoints tr[data-endpoint-id=" + js(endpointId) + "]") + ") !== null", WAIT))
      .as("the endpoint is listed: %s", browser.text("#endpoints")).isTrue();
    assertThat(browser.text("#endpoints")).contains(url).contains("through Svix");

    browser.click("#tab-messages");
    String row = "[...document.querySelectorAll('#messages tr[data-message-id]')].find(r => r.innerText.includes(" + js(eventId) + "))";
    assertThat(browser.waitFor(row + " !== undefined", WAIT)).as("the message is listed: %s", browser.text("#messages")).isTrue();
    String messageId = (String) browser.eval(row + ".dataset.messageId");
    assertThat(browser.eval(row + ".dataset.eventType")).isEqualTo("portal.svix");
    browser.click("#messages tr[data-message-id=" + js(messageId) + "] button[data-action=view]");
    assertThat(browser.waitFor("document.querySelector('#message-detail').dataset.loaded === " + js(messageId), WAIT))
      .as("the message: %s", browser.text("#message-detail")).isTrue();
    String attemptRow = "#message-attempts tr[data-endpoint-id=" + js(endpointId) + "][data-status=success]";
    assertThat(browser.waitFor("document.querySelector(" + js(attemptRow) + ") !== null", WAIT))
      .as("its attempt: %s; %s", browser.text("#message-attempts"), browser.text("#message-detail-status")).isTrue();
    assertThat(browser.text(attemptRow)).contains("200").contains("svix-receiver-ok " + path).contains("scheduled");
    assertThat(browser.text("#message-payload")).contains("\"n\": 7");
    assertThat(browser.text("#message-meta")).contains("portal.svix");

    browser.viewport(1400, 900);
    assertThat(Files.size(browser.screenshot("portal-svix-message-1400"))).isGreaterThan(5_000);
    browser.viewport(360, 740);
    assertThat(browser.waitFor("document.documentElement.scrollWidth <= window.innerWidth + 1", Duration.ofSeconds(5)))
      .as("fits 360 px (scrollWidth %s)", browser.eval("document.documentElement.scrollWidth")).isTrue();
    assertThat(Files.size(browser.screenshot("portal-svix-message-360"))).isGreaterThan(3_000);
    browser.viewport(1400, 900);

    assertThat(browser.errors()).as("no console error, exception or failed load").isEmpty();
  }
}
