package io.daytona.webhooks.messages;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.events.EventCatalog;
import io.daytona.webhooks.testsupport.Eventually;
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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The visibility and control operations over REST with the built-in delivery (SPEC: the same with either provider;
 * the Svix side is {@code svix.SvixVisibilityTest}): webhooks go to a receiver of this test ({@code /ok/*} answers
 * 200, {@code /fail/*} 500).
 */
class BuiltinVisibilityTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static Vertx outside;
  private static HttpServer receiver;
  private static WebhookService service;
  private static WebClient client;
  private static final List<Map.Entry<String, String>> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    outside = Vertx.vertx();
    receiver = await(outside.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      received.add(Map.entry(req.path(), body.toString()));
      req.response().setStatusCode(req.path().startsWith("/fail/") ? 500 : 200).end("ok");
    })).listen(0, "127.0.0.1"));
    service = await(TestService.start(Map.of("DELIVERY_PROVIDER", "builtin", "DELIVERY_ALLOWED_NETWORKS", "127.0.0.0/8",
      "DELIVERY_RETRY_SCHEDULE", "1h", "DELIVERY_TIMEOUT_MS", "2000", "OUTBOX_POLL_INTERVAL_MS", "100")));
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
  void endpointsSecretsTestEventsAndAnotherOrganizationsIds() {
    String org = newOrg();
    String other = newOrg();
    String id = endpoint(org, "/ok/b-ep-" + org, "snapshot.created");
    String theirs = endpoint(other, "/ok/b-theirs-" + other);

    assertThat(http(HttpMethod.GET, org, "/endpoints/" + id, null).bodyAsJsonObject().getJsonArray("eventTypes"))
      .containsExactly("snapshot.created");
    assertStatus(http(HttpMethod.GET, org, "/endpoints/" + theirs, null), 404);
    HttpResponse<Buffer> patched = http(HttpMethod.PATCH, org, "/endpoints/" + id,
      new JsonObject().put("description", "patched").putNull("eventTypes"));
    assertStatus(patched, 200);
    assertThat(patched.bodyAsJsonObject().getString("description")).isEqualTo("patched");
    assertThat(patched.bodyAsJsonObject().getValue("eventTypes")).isNull();
    assertStatus(http(HttpMethod.PATCH, org, "/endpoints/" + theirs, new JsonObject().put("disabled", true)), 404);

    String key = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
    assertStatus(http(HttpMethod.POST, org, "/endpoints/" + id + "/secret/rotate", new JsonObject().put("key", key)), 204);
    assertThat(http(HttpMethod.GET, org, "/endpoints/" + id + "/secret", null).bodyAsJsonObject().getString("key"))
      .isEqualTo(key);
    assertStatus(http(HttpMethod.GET, org, "/endpoints/" + theirs + "/secret", null), 404);

    HttpResponse<Buffer> test = http(HttpMethod.POST, org, "/endpoints/" + id + "/test",
      new JsonObject().put("eventType", "audit-log.created"));
    assertStatus(test, 202);
    assertThat(test.bodyAsJsonObject().getString("eventType")).isEqualTo("audit-log.created");
    Eventually.eventually(() -> received.stream().anyMatch(e -> e.getKey().equals("/ok/b-ep-" + org)), WAIT);
    assertThat(new JsonObject(received.stream().filter(e -> e.getKey().equals("/ok/b-ep-" + org)).findFirst()
      .orElseThrow().getValue())).isEqualTo(EventCatalog.platformType("audit-log.created").orElseThrow().example());
    assertStatus(http(HttpMethod.POST, org, "/endpoints/" + theirs + "/test", null), 404);

    HttpResponse<Buffer> recover = http(HttpMethod.POST, org, "/endpoints/" + id + "/recover",
      new JsonObject().put("since", Instant.now().minusSeconds(600).toString()));
    assertStatus(recover, 202);
  }

  @Test
  void messagesAttemptsAndResend() {
    String org = newOrg();
    String other = newOrg();
    String ok = endpoint(org, "/ok/b-msg-" + org);
    String failing = endpoint(org, "/fail/b-msg-" + org);
    for (int i = 0; i < 3; i++) {
      send(org, "custom.builtin", "evt-b-" + i, new JsonObject().put("i", i));
    }
    send(other, "custom.builtin", "evt-b-theirs", new JsonObject());
    Eventually.eventually(() -> received.stream().filter(e -> e.getKey().equals("/ok/b-msg-" + org)).count() == 3
      && received.stream().filter(e -> e.getKey().equals("/fail/b-msg-" + org)).count() == 3, WAIT);

    List<String> eventIds = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    String iterator = null;
    boolean done = false;
    while (!done) {
      JsonObject page = http(HttpMethod.GET, org, "/messages?limit=2" + (iterator == null ? "" : "&iterator=" + iterator),
        null).bodyAsJsonObject();
      done = page.getBoolean("done");
      iterator = page.getString("iterator");
      sizes.add(page.getJsonArray("data").size());
      page.getJsonArray("data").forEach(m -> eventIds.add(((JsonObject) m).getString("eventId")));
      assertThat(sizes.size()).isLessThan(5);
    }
    assertThat(sizes).containsExactly(2, 1);
    assertThat(eventIds).containsExactly("evt-b-2", "evt-b-1", "evt-b-0");

    JsonObject message = http(HttpMethod.GET, org, "/messages/evt-b-1", null).bodyAsJsonObject();
    assertThat(message.getJsonObject("payload")).isEqualTo(new JsonObject().put("i", 1));
    assertStatus(http(HttpMethod.GET, org, "/messages/evt-b-theirs", null), 404);

    Eventually.eventually(() -> attempts(org, "/messages/evt-b-1/attempts").size() == 2, WAIT);
    assertThat(attempts(org, "/messages/evt-b-1/attempts")).extracting(a -> a.getString("endpointId"))
      .containsExactlyInAnyOrder(ok, failing);
    assertThat(attempts(org, "/endpoints/" + failing + "/attempts?status=failed")).hasSize(3)
      .allSatisfy(a -> assertThat(a.getInteger("responseStatusCode")).isEqualTo(500));
    assertThat(attempts(org, "/endpoints/" + failing + "/attempts?status=success")).isEmpty();

    assertStatus(http(HttpMethod.POST, org, "/messages/" + message.getString("id") + "/endpoints/" + ok + "/resend", null),
      202);
    Eventually.eventually(() -> attempts(org, "/messages/evt-b-1/attempts").stream()
      .anyMatch(a -> "manual".equals(a.getString("trigger")) && ok.equals(a.getString("endpointId"))), WAIT);
    assertStatus(http(HttpMethod.POST, other, "/messages/evt-b-theirs/endpoints/" + ok + "/resend", null), 404);

    JsonArray types = await(client.get("/api/webhooks/event-types")
      .bearerTokenAuthentication(TestTokens.user(outside, "user-" + org, org)).send()).bodyAsJsonArray();
    assertThat(types.stream().limit(11).map(t -> ((JsonObject) t).getJsonObject("example"))).doesNotContainNull();
    assertThat(types.stream().map(t -> ((JsonObject) t).getString("name"))).contains("custom.builtin");
  }

  // ------------------------------------------------------------------ helpers

  private static String newOrg() {
    return "org-" + UUID.randomUUID();
  }

  private static String endpoint(String org, String path, String... types) {
    JsonObject body = new JsonObject().put("url", "http://127.0.0.1:" + receiver.actualPort() + path);
    if (types.length > 0) {
      body.put("eventTypes", new JsonArray(List.of(types)));
    }
    HttpResponse<Buffer> r = http(HttpMethod.POST, org, "/endpoints", body);
    assertStatus(r, 201);
    return r.bodyAsJsonObject().getString("id");
  }

  private static void send(String org, String type, String eventId, JsonObject payload) {
    assertStatus(http(HttpMethod.POST, org, "/send", new JsonObject().put("eventType", type).put("eventId", eventId)
      .put("payload", payload)), 202);
  }

  private static List<JsonObject> attempts(String org, String path) {
    HttpResponse<Buffer> r = http(HttpMethod.GET, org, path, null);
    assertStatus(r, 200);
    List<JsonObject> out = new ArrayList<>();
    r.bodyAsJsonObject().getJsonArray("data").forEach(a -> out.add((JsonObject) a));
    return out;
  }

  /** {@code path} under {@code /api/webhooks/organizations/<org>}. */
  private static HttpResponse<Buffer> http(HttpMethod method, String org, String path, JsonObject body) {
    HttpRequest<Buffer> req = client.request(method, "/api/webhooks/organizations/" + org + path)
      .bearerTokenAuthentication(TestTokens.user(outside, "user-" + org, org));
    return await(body == null ? req.send() : req.sendJsonObject(body));
  }

  private static void assertStatus(HttpResponse<Buffer> r, int status) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    if (status >= 400) {
      assertThat(r.getHeader("Content-Type")).startsWith("application/problem+json");
    }
  }

  private static <T> T await(Future<T> future) {
    return SvixStandIn.block(future, Duration.ofSeconds(60));
  }
}
