package io.daytona.webhooks.realtime;

import com.svix.Webhook;
import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.HeadlessChromium;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.daytona.webhooks.testsupport.HeadlessChromium.js;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The customer portal in headless Chromium against the real service with the built-in delivery and a real
 * receiver on this machine: opened by its link (token in the fragment), it adds an endpoint, sends a test
 * event and shows it in the live feed and in the message log with its attempt and the receiver's response
 * body; resends it; rotates the secret (the next delivery verifies with the new one, {@link Webhook});
 * disables the endpoint (the next event is not delivered to it); and never logs a console error. A
 * screenshot of each view at 1400 px and at 360 px goes to {@code target/portal-*.png}. Framing follows
 * {@code PORTAL_FRAME_ANCESTORS}: refused from a foreign origin, shown from an allowed one. An invalid token
 * shows a clear message. Skipped without Chromium unless {@code WEBHOOKS_REQUIRE_CHROMIUM} is set.
 */
class PortalBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  record Delivery(String path, MultiMap headers, String body) {
    Map<String, List<String>> headerMap() {
      Map<String, List<String>> out = new java.util.HashMap<>();
      headers.names().forEach(n -> out.put(n.toLowerCase(java.util.Locale.ROOT), headers.getAll(n)));
      return out;
    }
  }

  private static Vertx vertx;
  private static WebClient client;
  private static HttpServer receiver;
  private static HttpServer allowedHost;
  private static HttpServer foreignHost;
  private static final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  private static WebhookService service;
  private static HeadlessChromium browser;

  @BeforeAll
  static void start() throws Exception {
    HeadlessChromium.requireOrSkip();
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    // the receiver answers with a body naming the delivery, so the portal can be seen showing it
    receiver = block(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      deliveries.add(new Delivery(req.path(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()), body.toString()));
      req.response().setStatusCode(200).putHeader("Content-Type", "text/plain")
        .end("receiver-ok " + req.getHeader("webhook-id"));
    })).listen(0, "127.0.0.1"));
    // two pages on other origins that frame the portal: one allowed by PORTAL_FRAME_ANCESTORS, one not
    allowedHost = block(framingPage().listen(0, "127.0.0.1"));
    foreignHost = block(framingPage().listen(0, "127.0.0.1"));
    service = block(TestService.start(Map.of(
      "DELIVERY_PROVIDER", "builtin",
      "DELIVERY_ALLOWED_NETWORKS", "127.0.0.0/8",
      "DELIVERY_RETRY_SCHEDULE", "1s",
      "DELIVERY_TIMEOUT_MS", "5000",
      "PORTAL_FRAME_ANCESTORS", "'self' http://127.0.0.1:" + allowedHost.actualPort())), Duration.ofSeconds(90));
    browser = HeadlessChromium.start(vertx, "portal-chromium.log");
  }

  /** {@code /?src=<url>}: a page framing {@code src}; {@code window.framed} once the frame has loaded (or failed). */
  private static HttpServer framingPage() {
    return vertx.createHttpServer().requestHandler(req -> {
      String src = req.getParam("src", "");
      req.response().putHeader("Content-Type", "text/html; charset=utf-8").end("<!DOCTYPE html><html><body>"
        + "<iframe id=\"portal\" width=\"1200\" height=\"800\" src=\"" + src.replace("\"", "&quot;") + "\"></iframe>"
        + "<script>document.getElementById('portal').addEventListener('load', () => { window.framed = true; });</script>"
        + "</body></html>");
    });
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (service != null) {
      block(service.stop());
    }
    if (vertx != null) {
      block(vertx.close());
    }
  }

  private static String base() {
    return "http://127.0.0.1:" + service.port();
  }

  private static String receiverUrl(String path) {
    return "http://127.0.0.1:" + receiver.actualPort() + path;
  }

  /** The portal link of {@code org} as the service hands it out ({@code POST …/portal-access}). */
  private static String portalLink(String org, String userToken) {
    HttpResponse<Buffer> minted = rest("POST", "/organizations/" + org + "/portal-access", userToken,
      new JsonObject().put("expiresIn", 3600));
    assertThat(minted.statusCode()).as(minted.bodyAsString()).isEqualTo(200);
    String url = minted.bodyAsJsonObject().getString("url");
    assertThat(url).startsWith(base() + "/portal#token=whp_");
    return url;
  }

  private static HttpResponse<Buffer> rest(String method, String path, String token, JsonObject body) {
    var request = client.request(io.vertx.core.http.HttpMethod.valueOf(method), service.port(), "127.0.0.1",
      "/api/webhooks" + path).bearerTokenAuthentication(token);
    return block(body == null ? request.send() : request.sendJsonObject(body));
  }

  private static List<Delivery> at(String path) {
    return deliveries.stream().filter(d -> d.path().equals(path)).toList();
  }

  private void awaitDeliveries(String path, int count) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    // the receiver runs on this JVM's Vert.x: wait on a timer, not by sleeping
    block(Future.future(p -> vertx.setPeriodic(50, id -> {
      if (at(path).size() >= count) {
        vertx.cancelTimer(id);
        p.tryComplete();
      } else if (System.nanoTime() > deadline) {
        vertx.cancelTimer(id);
        p.tryFail("the receiver got " + at(path).size() + " of " + count + " deliveries at " + path);
      }
    })));
  }

  private void screenshots(String name) throws Exception {
    browser.viewport(1400, 900);
    assertThat(Files.size(browser.screenshot("portal-" + name + "-1400"))).isGreaterThan(5_000);
    browser.viewport(360, 740);
    assertThat(browser.waitFor("document.documentElement.scrollWidth <= window.innerWidth + 1", Duration.ofSeconds(5)))
      .as("the %s view fits 360 px without scrolling sideways (scrollWidth %s)", name,
        browser.eval("document.documentElement.scrollWidth")).isTrue();
    assertThat(Files.size(browser.screenshot("portal-" + name + "-360"))).isGreaterThan(3_000);
    browser.viewport(1400, 900);
  }

  @Test
  void theOrganizationManagesItsEndpointsAndSeesItsDeliveries() throws Exception {
    String org = "org-portal-" + UUID.randomUUID().toString().substring(0, 8);
    String user = TestTokens.user(service.vertx(), "portal-user", org);
    String hookPath = "/portal-hook/" + org;
    String otherPath = "/portal-other/" + org;
    // a second endpoint of the organization, made over REST: it shows what the portal's endpoint misses
    HttpResponse<Buffer> other = rest("POST", "/organizations/" + org + "/endpoints", user,
      new JsonObject().put("url", receiverUrl(otherPath)).put("description", "the other one"));
    assertThat(other.statusCode()).as(other.bodyAsString()).isEqualTo(201);
    String otherId = other.bodyAsJsonObject().getString("id");

    // the page and its assets: the security headers, and nothing from another host
    HttpResponse<Buffer> page = block(client.get(service.port(), "127.0.0.1", "/portal").send());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.getHeader("Content-Security-Policy")).contains("default-src 'self'").contains("script-src 'self'")
      .contains("frame-ancestors 'self' http://127.0.0.1:" + allowedHost.actualPort()).doesNotContain("unsafe-inline");
    assertThat(page.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(page.bodyAsString()).doesNotContainPattern("<script>|<script [^>]*>[^<]+</script>|\\son[a-z]+=|(src|href|action)=\"(https?:)?//");
    for (String path : List.of("/", "/assets/pages.js", "/assets/portal.js", "/assets/portal.css")) {
      HttpResponse<Buffer> r = block(client.get(service.port(), "127.0.0.1", path).send());
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.getHeader("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
      assertThat(r.getHeader("Referrer-Policy")).as(path).isEqualTo("no-referrer");
      assertThat(r.getHeader("Content-Security-Policy")).as(path).contains("script-src 'self'");
    }

    String link = portalLink(org, user);
    String portalToken = link.substring(link.indexOf("#token=") + "#token=".length());
    HttpResponse<Buffer> me = rest("GET", "/whoami", portalToken, null);
    assertThat(me.statusCode()).as(me.bodyAsString()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getJsonArray("organizations")).containsExactly(org);
    assertThat(me.bodyAsJsonObject().getBoolean("portal")).isTrue();
    browser.blank();
    browser.clearErrors();
    browser.navigate(link);
    assertThat(browser.eval("location.href")).as("the token is taken out of the address bar")
      .isEqualTo(base() + "/portal");
    assertThat(browser.waitFor("document.body.dataset.live === 'connected'", WAIT))
      .as("the live feed connected: %s", browser.text("#connection")).isTrue();
    assertThat(browser.waitFor("document.querySelector('#endpoints').innerText.includes(" + js(receiverUrl(otherPath)) + ")", WAIT))
      .as("endpoints listed: %s", browser.text("#endpoints")).isTrue();
    assertThat(browser.waitFor("document.querySelectorAll('#test-type option').length >= 11", WAIT))
      .as("the event catalog loaded: %s", browser.text("#catalog")).isTrue();

    // add an endpoint (every type)
    browser.click("#add-endpoint");
    assertThat(browser.eval("document.activeElement.id")).isEqualTo("endpoint-url");
    assertThat(browser.eval("document.querySelectorAll('#endpoint-types-list input[type=checkbox]').length"))
      .as("the event types to pick from come from GET /event-types: %s", browser.text("#endpoint-types-list"))
      .isEqualTo(11);
    everyControlIsLabelled();
    browser.fill("#endpoint-url", receiverUrl(hookPath));
    browser.fill("#endpoint-description", "added in the portal");
    browser.click("#endpoint-save");
    String row = "#endpoints tr[data-endpoint-id]";
    assertThat(browser.waitFor("[...document.querySelectorAll(" + js(row) + ")].some(r => r.innerText.includes("
      + js(receiverUrl(hookPath)) + "))", WAIT)).as("the new endpoint is listed: %s; %s", browser.text("#endpoints"),
      browser.text("#endpoint-form-error")).isTrue();
    String endpointId = (String) browser.eval("[...document.querySelectorAll(" + js(row) + ")].find(r => r.innerText.includes("
      + js(receiverUrl(hookPath)) + ")).dataset.endpointId");
    String hookRow = "#endpoints tr[data-endpoint-id=" + js(endpointId) + "]";
    screenshots("endpoints");

    // manage it: reveal the secret, send a test event
    browser.click(hookRow + " button[data-action=open]");
    assertThat(browser.waitFor("!document.querySelector('#endpoint-detail').hidden", WAIT)).isTrue();
    browser.click("#secret-reveal");
    assertThat(browser.waitFor("document.querySelector('#secret-value').textContent.startsWith('whsec_')", WAIT))
      .as("the secret is revealed on demand: %s", browser.text("#endpoint-detail-status")).isTrue();
    String secret = browser.text("#secret-value").trim();
    browser.fill("#test-type", "sandbox.created");
    browser.click("#test-send");
    assertThat(browser.waitFor("document.querySelector('#endpoint-detail-status').dataset.messageId", WAIT))
      .as("the test event was sent: %s", browser.text("#endpoint-detail-status")).isTrue();
    String messageId = (String) browser.eval("document.querySelector('#endpoint-detail-status').dataset.messageId");
    awaitDeliveries(hookPath, 1);
    Delivery first = at(hookPath).get(0);
    new Webhook(secret).verify(first.body(), first.headerMap());
    assertThat(first.headers().get("webhook-id")).isEqualTo(messageId);
    assertThat(at(otherPath)).as("a test event goes to its endpoint only").isEmpty();
    assertThat(browser.waitFor("document.querySelector('#feed li[data-type=\"webhook.delivered\"][data-message-id=" + js(messageId)
      + "]') !== null", WAIT)).as("the delivery is in the live feed: %s", browser.text("#feed")).isTrue();
    assertThat(browser.waitFor("document.querySelector('#endpoint-attempts').innerText.includes('receiver-ok')", WAIT))
      .as("the endpoint's attempts: %s", browser.text("#endpoint-attempts")).isTrue();
    screenshots("endpoint");

    // the message log: newest first, the message's payload and attempt with code, duration and response body
    browser.click("#tab-messages");
    String msgRow = "#messages tr[data-message-id=" + js(messageId) + "]";
    assertThat(browser.waitFor("document.querySelector(" + js(msgRow) + ") !== null", WAIT))
      .as("the message is listed: %s", browser.text("#messages")).isTrue();
    browser.click(msgRow + " button[data-action=view]");
    assertThat(browser.waitFor("document.querySelector('#message-detail').dataset.loaded === " + js(messageId), WAIT))
      .as("the message: %s", browser.text("#message-detail")).isTrue();
    String attemptRow = "#message-attempts tr[data-endpoint-id=" + js(endpointId) + "]";
    assertThat(browser.waitFor("document.querySelector(" + js(attemptRow + "[data-status=success]") + ") !== null", WAIT))
      .as("its attempt: %s; %s", browser.text("#message-attempts"), browser.text("#message-detail-status")).isTrue();
    String attempt = browser.text(attemptRow);
    assertThat(attempt).contains("200").contains("ms").contains("receiver-ok " + messageId).contains("scheduled");
    assertThat(browser.text("#message-payload")).contains("{");
    assertThat(browser.text("#message-meta")).contains("sandbox.created");
    screenshots("message");

    // resend it to the endpoint: one more delivery with the same webhook-id, shown as a manual attempt
    browser.click("#resend-list button[data-endpoint-id=" + js(endpointId) + "]");
    awaitDeliveries(hookPath, 2);
    assertThat(at(hookPath).get(1).headers().get("webhook-id")).isEqualTo(messageId);
    assertThat(browser.waitFor("[...document.querySelectorAll(" + js(attemptRow) + ")].some(r => r.innerText.includes('manual'))", WAIT))
      .as("the resend is shown: %s", browser.text("#message-attempts")).isTrue();

    // filter by event type: a type with no message shows none
    browser.fill("#messages-type", "volume.created");
    assertThat(browser.waitFor("document.querySelectorAll('#messages tr[data-message-id]').length === 0"
      + " && document.querySelector('#messages').innerText.includes('No messages')", WAIT)).isTrue();
    browser.fill("#messages-type", "");
    assertThat(browser.waitFor("document.querySelector(" + js(msgRow) + ") !== null", WAIT)).isTrue();

    // rotate the secret: the next delivery verifies with the new one
    browser.click("#tab-endpoints");
    browser.click(hookRow + " button[data-action=open]");
    browser.click("#secret-reveal");
    assertThat(browser.waitFor("document.querySelector('#secret-value').textContent.startsWith('whsec_')", WAIT)).isTrue();
    browser.click("#secret-rotate");
    assertThat(browser.waitFor("document.body.dataset.rotations === '1' && document.querySelector('#secret-value').textContent !== "
      + js(secret), WAIT)).as("rotated: %s", browser.text("#endpoint-detail-status")).isTrue();
    String rotated = browser.text("#secret-value").trim();
    assertThat(rotated).startsWith("whsec_").isNotEqualTo(secret);
    browser.click("#test-send");
    awaitDeliveries(hookPath, 3);
    Delivery third = at(hookPath).get(2);
    new Webhook(rotated).verify(third.body(), third.headerMap());
    assertThatThrownBy(() -> new Webhook(rotated).verify(first.body(), first.headerMap()))
      .as("the first delivery was signed with the old secret only").isInstanceOf(com.svix.exceptions.WebhookVerificationException.class);

    // disable it: the next event reaches the other endpoint only
    browser.click(hookRow + " button[data-action=toggle]");
    assertThat(browser.waitFor("document.querySelector(" + js(hookRow) + ")?.dataset.state === 'disabled'", WAIT))
      .as("disabled: %s", browser.text("#endpoints")).isTrue();
    String eventId = "evt-portal-" + UUID.randomUUID();
    HttpResponse<Buffer> sent = rest("POST", "/organizations/" + org + "/send", user,
      new JsonObject().put("eventType", "portal.check").put("eventId", eventId).put("payload", new JsonObject().put("n", 1)));
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    awaitDeliveries(otherPath, 1);
    assertThat(at(otherPath).get(0).body()).contains("\"n\":1");
    browser.click("#tab-messages");
    assertThat(browser.waitFor("[...document.querySelectorAll('#messages tr[data-message-id]')].some(r => r.innerText.includes("
      + js(eventId) + "))", WAIT)).as("the event is in the log: %s", browser.text("#messages")).isTrue();
    String checkId = (String) browser.eval("document.querySelector(\"#messages tr[data-event-type='portal.check']\").dataset.messageId");
    browser.click("#messages tr[data-event-type='portal.check'] button[data-action=view]");
    assertThat(browser.waitFor("document.querySelector('#message-detail').dataset.loaded === " + js(checkId)
      + " && document.querySelectorAll('#message-attempts tr[data-attempt-id]').length >= 1", WAIT))
      .as("the event's attempts: %s", browser.text("#message-detail")).isTrue();
    assertThat(list(browser.eval("[...document.querySelectorAll('#message-attempts tr[data-attempt-id]')].map(r => r.dataset.endpointId)")))
      .as("no attempt to the disabled endpoint").doesNotContain(endpointId).isNotEmpty();
    assertThat(at(hookPath)).as("nothing more reached the disabled endpoint").hasSize(3);

    // edit the other endpoint (description, one event type), then recover the disabled one's failures
    browser.click("#tab-endpoints");
    String otherRow = "#endpoints tr[data-endpoint-id=" + js(otherId) + "]";
    assertThat(browser.waitFor("document.querySelector(" + js(otherRow) + ") !== null", WAIT)).isTrue();
    browser.click(otherRow + " button[data-action=edit]");
    assertThat(browser.eval("document.querySelector('#endpoint-url').value")).isEqualTo(receiverUrl(otherPath));
    browser.fill("#endpoint-description", "edited in the portal");
    browser.click("#endpoint-types-list input[value='volume.created']");
    browser.click("#endpoint-save");
    assertThat(browser.waitFor("document.querySelector('#endpoint-form').hidden && (document.querySelector(" + js(otherRow)
      + ")?.innerText || '').includes('edited in the portal')", WAIT))
      .as("edited: %s; %s", browser.text("#endpoints"), browser.text("#endpoint-form-error")).isTrue();
    assertThat(browser.text(otherRow)).contains("volume.created");
    JsonObject edited = rest("GET", "/organizations/" + org + "/endpoints/" + otherId, user, null).bodyAsJsonObject();
    assertThat(edited.getString("description")).isEqualTo("edited in the portal");
    assertThat(edited.getJsonArray("eventTypes")).containsExactly("volume.created");

    browser.click(hookRow + " button[data-action=open]");
    browser.click("#recover-send");
    assertThat(browser.waitFor("document.querySelector('#endpoint-detail-status').textContent.startsWith('Recovering')", WAIT))
      .as("recover: %s", browser.text("#endpoint-detail-status")).isTrue();

    // delete the other endpoint: it asks once more in place, then it is gone
    browser.click(otherRow + " button[data-action=delete]");
    assertThat(browser.eval("document.querySelector(" + js(otherRow) + ") !== null")).isEqualTo(Boolean.TRUE);
    browser.click(otherRow + " button[data-action=confirm-delete]");
    assertThat(browser.waitFor("document.querySelector(" + js(otherRow) + ") === null", WAIT))
      .as("deleted: %s", browser.text("#endpoints")).isTrue();
    assertThat(rest("GET", "/organizations/" + org + "/endpoints/" + otherId, user, null).statusCode()).isEqualTo(404);

    // the event catalog and the live view
    browser.click("#tab-catalog");
    assertThat(browser.waitFor("document.querySelectorAll('#catalog details.event-type').length >= 11", WAIT)).isTrue();
    browser.click("#catalog details[data-type='sandbox.created'] summary");
    assertThat(browser.text("#catalog details[data-type='sandbox.created']")).contains("Schema").contains("Example")
      .contains("organizationId");
    screenshots("catalog");
    // tabs work from the keyboard: arrow keys move between them
    browser.eval("document.querySelector('#tab-catalog').focus()");
    browser.press("ArrowRight", "ArrowRight", 39);
    assertThat(browser.waitFor("document.body.dataset.view === 'live' && document.activeElement.id === 'tab-live'", WAIT)).isTrue();
    assertThat(((Number) browser.eval("document.querySelectorAll('#chart rect.delivered').length")).intValue()).isGreaterThanOrEqualTo(1);
    screenshots("live");

    assertThat(browser.errors()).as("no console error, exception or failed load").isEmpty();
  }

  private static void everyControlIsLabelled() {
    assertThat(list(browser.eval("[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
      + ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.id)")))
      .as("form controls without a label").isEmpty();
  }

  @Test
  void anInvalidOrExpiredTokenSaysSoClearly() {
    String org = "org-portal-bad-" + UUID.randomUUID().toString().substring(0, 8);
    String expired = TestTokens.hs256Exactly(service.vertx(), TestTokens.SECRET, new JsonObject().put("sub", "old")
        .put("organizations", new JsonArray().add(org)).put("exp", System.currentTimeMillis() / 1000 - 60),
      new JWTOptions());
    String unknown = "whp_" + UUID.randomUUID().toString().replace("-", "");
    assertThat(rest("GET", "/whoami", unknown, null).statusCode()).isEqualTo(401);
    assertThat(rest("GET", "/whoami", expired, null).statusCode()).isEqualTo(401);
    JsonObject me = rest("GET", "/whoami", TestTokens.user(service.vertx(), "someone", org), null).bodyAsJsonObject();
    assertThat(me.getJsonArray("organizations")).containsExactly(org);
    assertThat(me.getBoolean("portal")).isFalse();
    for (String token : List.of(unknown, expired)) {
      browser.blank();
      browser.navigate(base() + "/portal#token=" + token);
      assertThat(browser.waitFor("document.body.dataset.state === 'refused'", WAIT)).isTrue();
      assertThat(browser.text("#notice")).contains("expired or is not valid");
      assertThat(browser.eval("document.querySelector('#tabs').hidden")).isEqualTo(Boolean.TRUE);
      assertThat(browser.eval("location.href")).isEqualTo(base() + "/portal");
    }

    browser.blank();
    browser.navigate(base() + "/portal");
    assertThat(browser.waitFor("document.body.dataset.state === 'refused'", WAIT)).isTrue();
    assertThat(browser.text("#notice")).contains("portal link");
  }

  @Test
  void framingFollowsPortalFrameAncestors() {
    String org = "org-portal-frame-" + UUID.randomUUID().toString().substring(0, 8);
    String src = portalLink(org, TestTokens.user(service.vertx(), "framed", org));
    String encoded = java.net.URLEncoder.encode(src, java.nio.charset.StandardCharsets.UTF_8);

    browser.clearErrors();
    browser.navigate("http://127.0.0.1:" + foreignHost.actualPort() + "/?src=" + encoded);
    assertThat(browser.waitFor("window.framed === true", WAIT)).isTrue();
    JsonObject refused = childFrame();
    assertThat(refused.getString("url") + " " + refused.getString("unreachableUrl", ""))
      .as("a foreign origin gets no portal: %s", refused).doesNotStartWith(base() + "/portal");
    assertThat(browser.errors()).as("Chromium says why").anyMatch(e -> e.contains("frame-ancestors"));

    browser.clearErrors();
    browser.navigate("http://127.0.0.1:" + allowedHost.actualPort() + "/?src=" + encoded);
    assertThat(browser.waitFor("window.framed === true", WAIT)).isTrue();
    JsonObject shown = childFrame();
    assertThat(shown.getString("url")).as("an allowed origin shows the portal: %s", shown).isEqualTo(base() + "/portal");
    assertThat(shown.containsKey("unreachableUrl")).isFalse();
    assertThat(browser.errors()).noneMatch(e -> e.contains("frame-ancestors"));
  }

  /** The one child frame of the page, as DevTools' frame tree has it (url, unreachableUrl when it failed). */
  private static JsonObject childFrame() {
    JsonObject tree = browser.call("Page.getFrameTree", new JsonObject()).getJsonObject("frameTree");
    JsonArray children = tree.getJsonArray("childFrames", new JsonArray());
    assertThat(children).hasSize(1);
    return children.getJsonObject(0).getJsonObject("frame");
  }

  private static List<Object> list(Object fromPage) {
    return ((JsonArray) fromPage).getList();
  }

  private static <T> T block(Future<T> future) {
    return block(future, WAIT);
  }

  private static <T> T block(Future<T> future, Duration timeout) {
    return io.daytona.webhooks.testsupport.svix.SvixStandIn.block(future, timeout);
  }

}
