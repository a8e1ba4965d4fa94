package io.daytona.webhooks.provider.builtin;

import com.svix.Webhook;
import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The visibility and control operations through the real REST API with the built-in provider (the same
 * operations against Svix: {@code svix.SvixVisibilityTest}); deliveries go to a real receiver.
 */
class BuiltinVisibilityTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String BASE = "/api/webhooks";

  private static Vertx outside;
  private static Receiver receiver;
  private static WebhookService service;
  private static WebClient client;

  @BeforeAll
  static void start() {
    outside = Vertx.vertx();
    receiver = await(new Receiver(outside).start());
    service = await(TestService.start(Map.of(
      "DELIVERY_PROVIDER", "builtin",
      "DELIVERY_ALLOWED_NETWORKS", "127.0.0.0/8",
      "DELIVERY_RETRY_SCHEDULE", "100ms,100ms",
      "DELIVERY_TIMEOUT_MS", "2000",
      "OUTBOX_POLL_INTERVAL_MS", "100")));
    client = WebClient.create(outside, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(service.port()));
  }

  @AfterAll
  static void stop() {
    try {
      await(service.stop());
    } finally {
      await(receiver.stop());
      await(outside.close());
    }
  }

  @Test
  void getPatchAndDisableAnEndpoint() {
    String org = newOrg();
    String path = "/patch/" + org;
    String id = createEndpoint(org, path);
    JsonObject got = ok(call(HttpMethod.GET, org, "/endpoints/" + id, null));
    assertThat(got.getString("url")).isEqualTo(receiver.url(path));
    assertThat(got.getValue("eventTypes")).isNull();

    JsonObject patched = ok(call(HttpMethod.PATCH, org, "/endpoints/" + id, new JsonObject()
      .put("description", "renamed").put("eventTypes", new JsonArray().add("custom.patched"))));
    assertThat(patched.getString("description")).isEqualTo("renamed");
    assertThat(patched.getJsonArray("eventTypes")).containsExactly("custom.patched");
    assertThat(patched.getString("url")).isEqualTo(receiver.url(path));

    // only its types now
    send(org, "custom.other", new JsonObject());
    send(org, "custom.patched", new JsonObject().put("n", 1));
    until(() -> receiver.at(path).size() == 1);
    assertThat(new JsonObject(receiver.at(path).get(0).body()).getInteger("n")).isEqualTo(1);

    JsonObject disabled = ok(call(HttpMethod.PATCH, org, "/endpoints/" + id, new JsonObject().put("disabled", true)
      .putNull("eventTypes")));
    assertThat(disabled.getBoolean("disabled")).isTrue();
    assertThat(disabled.getValue("eventTypes")).isNull();
    String after = send(org, "custom.patched", new JsonObject().put("n", 2));
    JsonObject message = untilOk(org, "/messages/" + after);
    assertThat(message.getString("eventId")).isEqualTo(after);
    assertThat(receiver.at(path)).hasSize(1);

    assertThat(call(HttpMethod.GET, newOrg(), "/endpoints/" + id, null).statusCode()).isEqualTo(404);
    HttpResponse<Buffer> refused = call(HttpMethod.PATCH, org, "/endpoints/" + id,
      new JsonObject().put("url", "http://10.0.0.1/x"));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.bodyAsString()).contains("/url");
  }

  @Test
  void theSecretIsShownRotatedAndBothVerifyTheNextDelivery() throws Exception {
    String org = newOrg();
    String path = "/secret/" + org;
    String id = createEndpoint(org, path);
    String before = ok(call(HttpMethod.GET, org, "/endpoints/" + id + "/secret", null)).getString("key");
    String given = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'B');
    HttpResponse<Buffer> rotated = call(HttpMethod.POST, org, "/endpoints/" + id + "/secret/rotate",
      new JsonObject().put("key", given));
    assertThat(rotated.statusCode()).as(rotated.bodyAsString()).isEqualTo(204);
    assertThat(ok(call(HttpMethod.GET, org, "/endpoints/" + id + "/secret", null)).getString("key")).isEqualTo(given);

    send(org, "custom.secret", new JsonObject().put("s", 1));
    until(() -> receiver.at(path).size() == 1);
    Receiver.Received r = receiver.at(path).get(0);
    new Webhook(given).verify(r.body(), headers(r.headers()));
    new Webhook(before).verify(r.body(), headers(r.headers()));

    HttpResponse<Buffer> bad = call(HttpMethod.POST, org, "/endpoints/" + id + "/secret/rotate",
      new JsonObject().put("key", "whsec_short"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsString()).contains("/key");
  }

  @Test
  void aTestEventCarriesTheCatalogExampleToThatEndpoint() {
    String org = newOrg();
    String path = "/test-event/" + org;
    String id = createEndpoint(org, path);
    HttpResponse<Buffer> r = call(HttpMethod.POST, org, "/endpoints/" + id + "/test",
      new JsonObject().put("eventType", "sandbox.created"));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    assertThat(r.bodyAsJsonObject().getString("eventType")).isEqualTo("sandbox.created");
    String messageId = r.bodyAsJsonObject().getString("messageId");
    until(() -> receiver.at(path).size() == 1);
    assertThat(receiver.at(path).get(0).headers().get("webhook-id")).isEqualTo(messageId);
    JsonObject catalog = await(client.get(BASE + "/event-types").bearerTokenAuthentication(token(org)).send())
      .bodyAsJsonArray().stream().map(o -> (JsonObject) o).filter(t -> "sandbox.created".equals(t.getString("name")))
      .findFirst().orElseThrow();
    assertThat(new JsonObject(receiver.at(path).get(0).body())).isEqualTo(catalog.getJsonObject("example"));
  }

  @Test
  void messagesPageNewestFirstFilterByTypeAndShowTheirAttempts() {
    String org = newOrg();
    String path = "/messages/" + org;
    String endpoint = createEndpoint(org, path);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(send(org, i % 2 == 0 ? "custom.even" : "custom.odd", new JsonObject().put("i", i)));
    }
    until(() -> receiver.at(path).size() == 5);

    List<String> paged = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    String iterator = null;
    do {
      JsonObject page = ok(call(HttpMethod.GET, org, "/messages?limit=2" + (iterator == null ? "" : "&iterator=" + iterator), null));
      sizes.add(page.getJsonArray("data").size());
      page.getJsonArray("data").forEach(m -> paged.add(((JsonObject) m).getString("eventId")));
      iterator = page.getBoolean("done") ? null : page.getString("iterator");
    } while (iterator != null);
    assertThat(sizes).containsExactly(2, 2, 1);
    assertThat(paged).containsExactly(ids.get(4), ids.get(3), ids.get(2), ids.get(1), ids.get(0));

    JsonArray even = ok(call(HttpMethod.GET, org, "/messages?eventType=custom.even", null)).getJsonArray("data");
    assertThat(even).hasSize(3);
    String future = Instant.now().plusSeconds(3600).toString();
    assertThat(ok(call(HttpMethod.GET, org, "/messages?after=" + future, null)).getJsonArray("data")).isEmpty();
    assertThat(ok(call(HttpMethod.GET, org, "/messages?before=" + future, null)).getJsonArray("data")).hasSize(5);

    JsonObject byEventId = ok(call(HttpMethod.GET, org, "/messages/" + ids.get(0), null));
    JsonObject byId = ok(call(HttpMethod.GET, org, "/messages/" + byEventId.getString("id"), null));
    assertThat(byId).isEqualTo(byEventId);
    assertThat(byId.getJsonObject("payload")).isEqualTo(new JsonObject().put("i", 0));

    JsonArray attempts = ok(call(HttpMethod.GET, org, "/messages/" + byId.getString("id") + "/attempts", null))
      .getJsonArray("data");
    assertThat(attempts).hasSize(1);
    JsonObject attempt = attempts.getJsonObject(0);
    assertThat(attempt.getString("status")).isEqualTo("success");
    assertThat(attempt.getInteger("responseStatusCode")).isEqualTo(200);
    assertThat(attempt.getString("response")).isEqualTo("ok");
    assertThat(attempt.getString("endpointId")).isEqualTo(endpoint);
    assertThat(attempt.getString("trigger")).isEqualTo("scheduled");

    JsonObject byEndpoint = ok(call(HttpMethod.GET, org, "/endpoints/" + endpoint + "/attempts?status=success&limit=250", null));
    assertThat(byEndpoint.getJsonArray("data")).hasSize(5);
    assertThat(ok(call(HttpMethod.GET, org, "/endpoints/" + endpoint + "/attempts?status=failed", null))
      .getJsonArray("data")).isEmpty();

    assertThat(call(HttpMethod.GET, newOrg(), "/messages/" + byId.getString("id"), null).statusCode()).isEqualTo(404);
  }

  @Test
  void resendIsAManualAttemptAndRecoverRetriesOnlyFailuresInItsWindow() {
    String org = newOrg();
    String path = "/resend/" + org;
    String endpoint = createEndpoint(org, path);
    String ok = send(org, "custom.resend", new JsonObject().put("k", "ok"));
    until(() -> receiver.at(path).size() == 1);
    String messageId = ok(call(HttpMethod.GET, org, "/messages/" + ok, null)).getString("id");
    HttpResponse<Buffer> resent = call(HttpMethod.POST, org, "/messages/" + messageId + "/endpoints/" + endpoint + "/resend", null);
    assertThat(resent.statusCode()).as(resent.bodyAsString()).isEqualTo(202);
    until(() -> receiver.at(path).size() == 2);
    until(() -> ok(call(HttpMethod.GET, org, "/messages/" + messageId + "/attempts", null)).getJsonArray("data").size() == 2);
    assertThat(ok(call(HttpMethod.GET, org, "/messages/" + messageId + "/attempts", null)).getJsonArray("data")
      .getJsonObject(0).getString("trigger")).isEqualTo("manual");

    // three failures: the first attempt and both retries
    receiver.thenStatus(path, 500).thenStatus(path, 500).thenStatus(path, 500);
    String failing = send(org, "custom.resend", new JsonObject().put("k", "failing"));
    until(() -> receiver.at(path).size() == 5);
    String failingId = untilOk(org, "/messages/" + failing).getString("id");
    until(() -> ok(call(HttpMethod.GET, org, "/endpoints/" + endpoint + "/attempts?status=failed", null))
      .getJsonArray("data").size() == 3);

    HttpResponse<Buffer> old = call(HttpMethod.POST, org, "/endpoints/" + endpoint + "/recover", new JsonObject()
      .put("since", Instant.now().minusSeconds(7200).toString()).put("until", Instant.now().minusSeconds(3600).toString()));
    assertThat(old.statusCode()).as(old.bodyAsString()).isEqualTo(202);
    HttpResponse<Buffer> recent = call(HttpMethod.POST, org, "/endpoints/" + endpoint + "/recover", new JsonObject()
      .put("since", Instant.now().minusSeconds(600).toString()));
    assertThat(recent.statusCode()).as(recent.bodyAsString()).isEqualTo(202);
    assertThat(recent.bodyAsJsonObject().getString("until")).isNotNull();
    until(() -> receiver.at(path).size() == 6);
    assertThat(new JsonObject(receiver.at(path).get(5).body()).getString("k")).isEqualTo("failing");
    until(() -> ok(call(HttpMethod.GET, org, "/messages/" + failingId + "/attempts", null)).getJsonArray("data")
      .getJsonObject(0).getString("status").equals("success"));

    HttpResponse<Buffer> tooOld = call(HttpMethod.POST, org, "/endpoints/" + endpoint + "/recover", new JsonObject()
      .put("since", Instant.now().minus(Duration.ofDays(15)).toString()));
    assertThat(tooOld.statusCode()).isEqualTo(400);
    assertThat(tooOld.bodyAsString()).contains("/since");
  }

  // ---------------------------------------------------------------- helpers

  private static String createEndpoint(String org, String path) {
    HttpResponse<Buffer> r = call(HttpMethod.POST, org, "/endpoints", new JsonObject().put("url", receiver.url(path)));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("id");
  }

  private static String send(String org, String type, JsonObject payload) {
    HttpResponse<Buffer> r = call(HttpMethod.POST, org, "/send", new JsonObject().put("eventType", type)
      .put("payload", payload).put("eventId", "ev-" + UUID.randomUUID()));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    return r.bodyAsJsonObject().getString("eventId");
  }

  private static JsonObject ok(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject();
  }

  private static JsonObject untilOk(String org, String path) {
    until(() -> call(HttpMethod.GET, org, path, null).statusCode() == 200);
    return ok(call(HttpMethod.GET, org, path, null));
  }

  private static HttpResponse<Buffer> call(HttpMethod method, String org, String path, JsonObject body) {
    HttpRequest<Buffer> req = client.request(method, BASE + "/organizations/" + org + path)
      .bearerTokenAuthentication(token(org));
    return await(body == null ? req.send() : req.sendJsonObject(body));
  }

  private static String token(String org) {
    return TestTokens.user(outside, "user-" + org, org);
  }

  private static Map<String, List<String>> headers(MultiMap h) {
    Map<String, List<String>> out = new HashMap<>();
    for (String name : List.of("webhook-id", "webhook-timestamp", "webhook-signature")) {
      out.put(name, List.of(h.get(name)));
    }
    return out;
  }

  private static String newOrg() {
    return "org-" + UUID.randomUUID();
  }

  private static void until(BooleanSupplier condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT);
      }
      await(outside.timer(20));
    }
  }

  private static <T> T await(Future<T> f) {
    return SvixStandIn.block(f, Duration.ofSeconds(60));
  }
}
