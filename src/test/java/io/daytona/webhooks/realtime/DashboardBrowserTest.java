package io.daytona.webhooks.realtime;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.Eventually;
import io.daytona.webhooks.testsupport.HeadlessChromium;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static io.daytona.webhooks.testsupport.HeadlessChromium.js;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator dashboard ({@code /}) in headless Chromium against the real service, the Svix provider and the
 * Svix stand-in (which delivers to a receiver of this test and sends operational webhooks back). Opened with an
 * admin token in the fragment, it shows the initialization figures and {@code /status}; lists an organization's
 * rejected event and queues it again, after which its delivery shows in the admin live feed; retries the failed
 * initialization and updates every organization's endpoints, each run's {@code bulk.progress} shown as a
 * progress bar; and opens an organization's customer portal in a new tab with a link from
 * {@code POST …/portal-access}. An organization-scoped token pasted in the form gets the organization part only.
 * Screenshots go to {@code target/dashboard*.png}. Skipped without Chromium unless {@code WEBHOOKS_REQUIRE_CHROMIUM}
 * is set (CI), where it fails.
 */
class DashboardBrowserTest {

  private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString("dashboard-test-operational-key!!".getBytes());
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static Vertx vertx;
  private static WebClient client;
  private static SvixStandIn svix;
  private static HttpServer receiver;
  private static final AtomicInteger received = new AtomicInteger();
  private static WebhookService service;
  private static HeadlessChromium browser;

  @BeforeAll
  static void start() throws Exception {
    HeadlessChromium.requireOrSkip();
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    svix = block(new SvixStandIn(vertx).start(), WAIT);
    receiver = block(vertx.createHttpServer()
      .requestHandler(req -> req.body().onComplete(b -> {
        received.incrementAndGet();
        req.response().setStatusCode(200).end();
      }))
      .listen(0, "127.0.0.1"), WAIT);
    service = block(TestService.start(Map.of(
      "SVIX_AUTH_TOKEN", svix.token(), "SVIX_SERVER_URL", svix.serverUrl(),
      "SVIX_OPERATIONAL_WEBHOOK_SECRET", SECRET,
      // the failed initialization below stays failed until the dashboard retries it
      "INIT_RETRY_BASE_MS", "3600000")), Duration.ofSeconds(90));
    svix.operationalWebhooks("http://127.0.0.1:" + service.port() + "/api/webhooks/svix/operational", SECRET);
    browser = HeadlessChromium.start(vertx, "dashboard-chromium.log");
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (service != null) {
      block(service.stop(), WAIT);
    }
    if (vertx != null) {
      block(vertx.close(), WAIT);
    }
  }

  private static String base() {
    return "http://127.0.0.1:" + service.port();
  }

  private static HttpResponse<Buffer> rest(HttpMethod method, String path, String token, JsonObject body) {
    var request = client.request(method, service.port(), "127.0.0.1", "/api/webhooks" + path).bearerTokenAuthentication(token);
    return block(body == null ? request.send() : request.sendJsonObject(body), WAIT);
  }

  private static String dd(String key) {
    return (String) browser.eval("(document.querySelector('dd[data-key=" + key + "]') || {textContent: ''}).textContent");
  }

  @Test
  void theOperatorSeesTheServiceRetriesAndUpdatesInBulkAndOpensAnOrganizationsPortal() throws Exception {
    String admin = TestTokens.admin(service.vertx());
    String org = "org-dash-" + UUID.randomUUID().toString().substring(0, 8);
    String failing = "org-dash-fail-" + UUID.randomUUID().toString().substring(0, 8);
    String user = TestTokens.user(service.vertx(), "dashboard-user", org);

    // an organization with an endpoint, and one whose initialization failed (Svix failed mid-way)
    HttpResponse<Buffer> created = rest(HttpMethod.POST, "/organizations/" + org + "/endpoints", user,
      new JsonObject().put("url", "http://127.0.0.1:" + receiver.actualPort() + "/dashboard-hook").put("description", "dashboard test"));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    svix.failAllAfter(2, 500, "/api/v1/app/" + failing + "/endpoint");
    JsonObject init = rest(HttpMethod.POST, "/organizations/" + failing + "/initialize", admin, null).bodyAsJsonObject();
    assertThat(init.getString("status")).as(init.encode()).isEqualTo("FAILED");
    block(svix.heal(), WAIT);

    // an event Svix refuses for good (422): the outbox keeps it as rejected
    String eventId = "evt-dash-" + UUID.randomUUID();
    svix.failNext(1, 422, "/msg");
    HttpResponse<Buffer> sent = rest(HttpMethod.POST, "/organizations/" + org + "/send", admin, new JsonObject()
      .put("eventType", "sandbox.created").put("eventId", eventId).put("payload", new JsonObject().put("id", "sb-1")));
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    Eventually.eventually(() -> rest(HttpMethod.GET, "/organizations/" + org + "/events?status=rejected", admin, null)
      .bodyAsJsonObject().getJsonArray("data").stream().anyMatch(e -> eventId.equals(((JsonObject) e).getString("eventId"))), WAIT);
    JsonObject stats = rest(HttpMethod.GET, "/initialization-stats", admin, null).bodyAsJsonObject();
    assertThat(stats.getInteger("failedInitializations")).isEqualTo(1);

    // the page itself: no inline script, every script from the service
    HttpResponse<Buffer> page = block(client.get(service.port(), "127.0.0.1", "/").send(), WAIT);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Security-Policy")).contains("script-src 'self'").doesNotContain("unsafe-inline");
    assertThat(page.bodyAsString()).doesNotContainPattern("<script>|<script [^>]*>[^<]+</script>|\\son[a-z]+=|(src|href|action)=\"(https?:)?//");

    browser.blank();
    browser.clearErrors();
    browser.navigate(base() + "/#token=" + URLEncoder.encode(admin, StandardCharsets.UTF_8));
    assertThat(browser.eval("document.title")).asString().contains("operator");
    assertThat(browser.eval("location.href")).as("the token is taken out of the address bar").isEqualTo(base() + "/");
    assertThat(browser.waitFor("document.body.dataset.state === 'operator'", WAIT))
      .as("signed in as an operator: %s %s", browser.text("#error"), browser.text("#whoami")).isTrue();
    assertThat(browser.eval("document.querySelector('#login').hidden")).isEqualTo(Boolean.TRUE);
    assertThat(browser.waitFor("document.body.dataset.live === 'connected'", WAIT))
      .as("the admin live feed connected: %s", browser.text("#connection")).isTrue();

    // initialization figures and /status
    assertThat(browser.waitFor("document.body.dataset.stats === 'loaded' && document.body.dataset.status === 'loaded'", WAIT))
      .as("figures: %s; status: %s", browser.text("#init-stats"), browser.text("#status")).isTrue();
    assertThat(dd("failedInitializations")).isEqualTo("1");
    assertThat(Integer.parseInt(dd("totalOrganizations"))).isEqualTo(stats.getInteger("totalOrganizations")).isGreaterThanOrEqualTo(2);
    assertThat(dd("initializedOrganizations")).isEqualTo(String.valueOf(stats.getInteger("initializedOrganizations")));
    assertThat(dd("provider")).isEqualTo("svix");
    assertThat(dd("svix")).isEqualTo("configured, reachable");
    assertThat(dd("outboxPending")).matches("\\d+");
    assertThat(dd("outboxFailed")).as("the rejected event counts in /status").isEqualTo("1");

    // the organization's rejected event, queued again: its delivery shows in the admin feed
    browser.fill("#org", org);
    browser.click("#load-rejected");
    String rejectedRow = "#rejected tr[data-event-id=" + js(eventId) + "]";
    assertThat(browser.waitFor("document.querySelector(" + js(rejectedRow) + ") !== null", WAIT))
      .as("the rejected event is listed: %s %s", browser.text("#rejected"), browser.text("#org-status")).isTrue();
    assertThat(browser.text(rejectedRow)).contains("sandbox.created").contains("422");
    browser.click(rejectedRow + " button[data-action=retry]");
    assertThat(browser.waitFor("document.querySelector(" + js(rejectedRow) + ").dataset.status === 'queued'", WAIT))
      .as("queued again: %s", browser.text("#org-status")).isTrue();
    assertThat(browser.waitFor("document.querySelector('#feed li[data-type=\"webhook.delivered\"][data-org=" + js(org) + "]') !== null", WAIT))
      .as("the delivery is in the admin feed: %s", browser.text("#feed")).isTrue();
    assertThat(received.get()).as("the receiver got the event").isGreaterThanOrEqualTo(1);
    assertThat(browser.text("#feed")).contains("sandbox.created").contains(org);
    assertThat(((Number) browser.eval("document.querySelectorAll('#chart rect.delivered').length")).intValue()).isGreaterThanOrEqualTo(1);

    // retry failed initializations: the run's progress, the figures follow
    browser.click("#retry-init");
    String retryRun = "#progress li[data-operation='retry-failed-initializations']";
    assertThat(browser.waitFor("document.querySelector(" + js(retryRun + "[data-complete=true]") + ") !== null", WAIT))
      .as("the retry's progress: %s; %s", browser.text("#progress"), browser.text("#bulk-result")).isTrue();
    assertThat(browser.eval("document.querySelector(" + js(retryRun) + ").dataset.done + '/' + document.querySelector("
      + js(retryRun) + ").dataset.total")).isEqualTo("1/1");
    assertThat(browser.eval("document.querySelector(" + js(retryRun + " progress") + ").value")).isEqualTo(1);
    assertThat(browser.text(retryRun)).contains("1 / 1");
    assertThat(browser.waitFor("document.querySelector('#bulk-result').textContent.includes('1 succeeded')", WAIT))
      .as("the retry's answer: %s", browser.text("#bulk-result")).isTrue();
    assertThat(browser.waitFor("document.querySelector('dd[data-key=failedInitializations]').textContent === '0'", WAIT))
      .as("no failed initialization left: %s", browser.text("#init-stats")).isTrue();

    // update all endpoints: every initialized organization, shown as it goes
    int initialized = rest(HttpMethod.GET, "/initialization-stats", admin, null).bodyAsJsonObject().getInteger("initializedOrganizations");
    assertThat(initialized).isGreaterThanOrEqualTo(1);
    browser.click("#update-all");
    String updateRun = "#progress li[data-operation='update-all-endpoints']";
    assertThat(browser.waitFor("document.querySelector(" + js(updateRun + "[data-complete=true]") + ") !== null", WAIT))
      .as("the update's progress: %s; %s", browser.text("#progress"), browser.text("#bulk-result")).isTrue();
    assertThat(browser.eval("document.querySelector(" + js(updateRun) + ").dataset.total")).isEqualTo(String.valueOf(initialized));
    assertThat(browser.waitFor("document.querySelector('#bulk-result').textContent.includes('" + initialized + " updated')", WAIT))
      .as("the update's answer: %s", browser.text("#bulk-result")).isTrue();

    // open the organization's portal: a portal link, opened in a new tab
    browser.fill("#org", org);
    browser.click("#open-portal");
    assertThat(browser.waitFor("!document.querySelector('#portal-link').hidden", WAIT))
      .as("the portal link: %s", browser.text("#org-status")).isTrue();
    String href = (String) browser.eval("document.querySelector('#portal-anchor').href");
    assertThat(href).startsWith(base() + "/portal#token=whp_");
    assertThat(browser.eval("JSON.stringify(performance.getEntriesByType('resource').filter(e => e.name.endsWith("
      + js("/organizations/" + org + "/portal-access") + ")).map(e => e.responseStatus))")).isEqualTo("[200]");
    assertThat(browser.text("#portal-link")).contains(org);
    JsonObject tab = browser.awaitPage(t -> (base() + "/portal").equals(t.getString("url")), WAIT);
    assertThat(tab).as("the portal opened in a new tab (and dropped its token from the address bar): %s", browser.pages()).isNotNull();
    assertThat(tab.getString("title")).contains("portal");
    browser.closePage(tab.getString("id"));
    String portalToken = href.substring(href.indexOf("#token=") + "#token=".length());
    JsonObject me = rest(HttpMethod.GET, "/whoami", portalToken, null).bodyAsJsonObject();
    assertThat(me.getJsonArray("organizations")).containsExactly(org);
    assertThat(me.getBoolean("portal")).isTrue();

    everyControlIsLabelled();
    assertThat(Files.size(browser.screenshot("dashboard"))).isGreaterThan(10_000);
    browser.viewport(360, 740);
    assertThat(browser.waitFor("document.documentElement.scrollWidth <= window.innerWidth + 1", Duration.ofSeconds(5)))
      .as("fits 360 px without scrolling sideways (scrollWidth %s)", browser.eval("document.documentElement.scrollWidth")).isTrue();
    assertThat(Files.size(browser.screenshot("dashboard-360"))).isGreaterThan(5_000);
    browser.viewport(1280, 1100);

    assertThat(browser.text("#error")).isEmpty();
    assertThat(browser.errors()).as("no console error, exception or failed load").isEmpty();
  }

  @Test
  void aPastedOrganizationTokenGetsItsOrganizationOnly() {
    String org = "org-dash-own-" + UUID.randomUUID().toString().substring(0, 8);
    String user = TestTokens.user(service.vertx(), "dashboard-org-user", org);
    browser.blank();
    browser.clearErrors();
    browser.navigate(base() + "/");
    assertThat(browser.waitFor("document.body.dataset.state === 'signed-out'", WAIT)).isTrue();
    everyControlIsLabelled();

    // a token that is not valid: the form says so and stays
    browser.fill("#token", "whk_not-a-key");
    browser.click("#connect");
    assertThat(browser.waitFor("document.body.dataset.state === 'refused' && !document.querySelector('#error').hidden", WAIT)).isTrue();
    assertThat(browser.text("#error")).contains("not valid");
    assertThat(browser.eval("document.querySelector('#login').hidden")).isEqualTo(Boolean.FALSE);

    browser.fill("#token", user);
    browser.click("#connect");
    assertThat(browser.waitFor("document.body.dataset.state === 'organization'", WAIT))
      .as("signed in: %s", browser.text("#error")).isTrue();
    assertThat(browser.eval("document.querySelector('#token').value")).as("the token is not left in the form").isEqualTo("");
    assertThat(browser.text("#whoami")).contains(org).contains("admin token");
    assertThat(browser.eval("document.querySelector('#operator').hidden && document.querySelector('#live').hidden")).isEqualTo(Boolean.TRUE);
    assertThat(browser.eval("document.querySelector('#org').value")).isEqualTo(org);
    browser.click("#open-portal");
    assertThat(browser.waitFor("document.querySelector('#portal-anchor').href.startsWith(" + js(base() + "/portal#token=whp_") + ")", WAIT))
      .as("its own portal link: %s", browser.text("#org-status")).isTrue();
    // another organization's portal is refused (403), and said so
    browser.fill("#org", "org-someone-else");
    browser.click("#open-portal");
    assertThat(browser.waitFor("document.querySelector('#org-status').textContent.includes('No portal link for org-someone-else')", WAIT))
      .as("refused: %s", browser.text("#org-status")).isTrue();
    // the refused REST call is a failed load the browser logs; nothing else may be
    assertThat(browser.errors()).allMatch(e -> e.contains("401") || e.contains("403"));
  }

  private static void everyControlIsLabelled() {
    assertThat(((JsonArray) browser.eval("[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
      + ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.id)")).getList())
      .as("form controls without a label").isEmpty();
  }

  private static <T> T block(Future<T> future, Duration timeout) {
    return SvixStandIn.block(future, timeout);
  }
}
