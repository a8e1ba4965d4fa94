package io.daytona.webhooks.portal;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.realtime.BridgeClient;
import io.daytona.webhooks.realtime.RealtimeEvents;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Portal tokens through the real REST API and SockJS bridge: minted, scoped to one organization, expiring. */
class PortalAccessTest {

  private static final String BASE = "/api/webhooks";
  private static Vertx outside;
  private static WebhookService service;
  private static WebClient client;

  @BeforeAll
  static void start() {
    outside = Vertx.vertx();
    service = await(TestService.start(Map.of("DELIVERY_PROVIDER", "builtin")));
    client = WebClient.create(outside, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(service.port()));
  }

  @AfterAll
  static void stop() {
    try {
      await(service.stop());
    } finally {
      await(outside.close());
    }
  }

  @Test
  void aPortalTokenIsMintedWithItsLinkAndWorksOnItsOrganizationOnly() {
    String org = newOrg();
    HttpResponse<Buffer> minted = call(HttpMethod.POST, "/organizations/" + org + "/portal-access", userToken(org),
      new JsonObject());
    assertThat(minted.statusCode()).as(minted.bodyAsString()).isEqualTo(200);
    JsonObject access = minted.bodyAsJsonObject();
    String token = access.getString("token");
    assertThat(token).startsWith("whp_");
    assertThat(access.getString("url")).isEqualTo("http://127.0.0.1:" + service.port() + "/portal#token=" + token);
    assertThat(Instant.parse(access.getString("expiresAt")).getEpochSecond())
      .isCloseTo(Instant.now().plusSeconds(3600).getEpochSecond(), within(10L));
    assertThat(access.containsKey("svixAppPortalUrl")).isTrue();
    assertThat(access.getString("svixAppPortalUrl")).isNull();
    // stored only as a hash
    long clear = await(service.context().database().pool()
      .preparedQuery("SELECT count(*) FROM portal_tokens WHERE token_hash = $1 OR token_prefix = $1")
      .execute(Tuple.of(token))).iterator().next().getLong(0);
    assertThat(clear).isZero();

    assertThat(call(HttpMethod.GET, "/organizations/" + org + "/endpoints", token, null).statusCode()).isEqualTo(200);
    assertThat(call(HttpMethod.POST, "/organizations/" + org + "/endpoints", token,
      new JsonObject().put("url", "https://example.com/hook")).statusCode()).isEqualTo(201);
    HttpResponse<Buffer> other = call(HttpMethod.GET, "/organizations/" + newOrg() + "/endpoints", token, null);
    assertThat(other.statusCode()).isEqualTo(403);
    HttpResponse<Buffer> admin = call(HttpMethod.GET, "/initialization-stats", token, null);
    assertThat(admin.statusCode()).isEqualTo(403);
    HttpResponse<Buffer> again = call(HttpMethod.POST, "/organizations/" + org + "/portal-access", token, new JsonObject());
    assertThat(again.statusCode()).isEqualTo(403);
    assertThat(again.bodyAsJsonObject().getString("detail")).contains("portal token");
  }

  @Test
  void anExpiredOrUnknownPortalTokenIs401() {
    String org = newOrg();
    JsonObject access = call(HttpMethod.POST, "/organizations/" + org + "/portal-access", userToken(org),
      new JsonObject().put("expiresIn", 60)).bodyAsJsonObject();
    assertThat(Instant.parse(access.getString("expiresAt")).getEpochSecond())
      .isCloseTo(Instant.now().plusSeconds(60).getEpochSecond(), within(10L));
    String token = access.getString("token");
    assertThat(call(HttpMethod.GET, "/organizations/" + org + "/endpoints", token, null).statusCode()).isEqualTo(200);
    await(service.context().database().pool()
      .query("UPDATE portal_tokens SET expires_at = now() - interval '1 second' WHERE organization_id = '" + org + "'")
      .execute());
    // the change's notice reaches the credential cache within milliseconds of its commit
    long changedAt = System.nanoTime();
    HttpResponse<Buffer> expired;
    while ((expired = call(HttpMethod.GET, "/organizations/" + org + "/endpoints", token, null)).statusCode() != 401) {
      assertThat(System.nanoTime() - changedAt).as("refused within a second").isLessThan(1_000_000_000L);
    }
    assertThat(expired.bodyAsJsonObject().getString("detail")).contains("expired");
    assertThat(call(HttpMethod.GET, "/organizations/" + org + "/endpoints", "whp_unknown", null).statusCode())
      .isEqualTo(401);
  }

  @Test
  void lifetimesOutsideOneMinuteToSevenDaysAreABadRequest() {
    String org = newOrg();
    for (long bad : new long[] {0, 59, 604_801}) {
      HttpResponse<Buffer> r = call(HttpMethod.POST, "/organizations/" + org + "/portal-access", userToken(org),
        new JsonObject().put("expiresIn", bad));
      assertThat(r.statusCode()).as(Long.toString(bad)).isEqualTo(400);
      assertThat(r.bodyAsString()).contains("/expiresIn");
    }
  }

  @Test
  void thePortalTokenRegistersForItsOrganizationsRealTimeAddressOnly() {
    String org = newOrg();
    String token = call(HttpMethod.POST, "/organizations/" + org + "/portal-access", userToken(org), new JsonObject())
      .bodyAsJsonObject().getString("token");
    BridgeClient bridge = await(BridgeClient.connect(outside, service.port()));
    try {
      await(bridge.register(Addresses.org(org), token));
      await(bridge.register(Addresses.org(newOrg()), token));
      await(bridge.register("webhooks.admin", token));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (bridge.errors().size() < 2 && System.nanoTime() < deadline) {
        await(outside.timer(20));
      }
      assertThat(bridge.errors()).hasSize(2);
      // the registration is done once a published message arrives
      while (bridge.events("endpoint.created").isEmpty() && System.nanoTime() < deadline) {
        RealtimeEvents.publish(service.vertx(), RealtimeEvents.ENDPOINT_CREATED, org, new JsonObject().put("id", "ep_x"));
        await(outside.timer(50));
      }
      assertThat(bridge.events("endpoint.created")).isNotEmpty();
    } finally {
      await(bridge.close());
    }
  }

  private static String userToken(String org) {
    return TestTokens.user(outside, "user-" + org, org);
  }

  private static HttpResponse<Buffer> call(HttpMethod method, String path, String token, JsonObject body) {
    HttpRequest<Buffer> req = client.request(method, BASE + path).bearerTokenAuthentication(token);
    return await(body == null ? req.send() : req.sendJsonObject(body));
  }

  private static String newOrg() {
    return "org-" + UUID.randomUUID();
  }

  private static <T> T await(Future<T> f) {
    return SvixStandIn.block(f, Duration.ofSeconds(60));
  }
}
