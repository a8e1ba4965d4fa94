package io.daytona.webhooks.realtime;

import com.svix.Webhook;
import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.testsupport.TestService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operational-webhook receiver over real HTTP: signatures (accepted, forged, stale, missing),
 * replays (same svix-id) and the addresses it publishes on.
 */
class OperationalWebhookReceiverTest {

  private static final String SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString("operational-test-secret-32bytes!".getBytes());
  private static final String PATH = "/api/webhooks/svix/operational";

  private static WebhookService service;
  private static WebClient http;
  private static final List<JsonObject> orgMessages = Collections.synchronizedList(new ArrayList<>());
  private static final List<JsonObject> adminMessages = Collections.synchronizedList(new ArrayList<>());
  private static String org;

  @BeforeAll
  static void start() throws Exception {
    service = TestService.start(Map.of("SVIX_OPERATIONAL_WEBHOOK_SECRET", SECRET))
      .toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    http = WebClient.create(service.vertx());
    org = "org-op-" + UUID.randomUUID();
    service.vertx().eventBus().<JsonObject>consumer(Addresses.org(org), m -> orgMessages.add(m.body()));
    service.vertx().eventBus().<JsonObject>consumer(Addresses.ADMIN, m -> {
      if (org.equals(m.body().getString("organizationId"))) {
        adminMessages.add(m.body());
      }
    });
  }

  @AfterAll
  static void stop() throws Exception {
    if (service != null) {
      service.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @BeforeEach
  void clear() {
    orgMessages.clear();
    adminMessages.clear();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Lets in-flight publishes arrive (a bounded wait on a Vert.x timer) before asserting nothing came. */
  private static void settle() throws Exception {
    Promise<Void> p = Promise.promise();
    service.vertx().setTimer(500, id -> p.complete());
    await(p.future());
  }

  private static void awaitCount(List<?> list, int n) throws Exception {
    Promise<Void> p = Promise.promise();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    service.vertx().setPeriodic(10, id -> {
      if (list.size() >= n || System.nanoTime() > deadline) {
        service.vertx().cancelTimer(id);
        p.complete();
      }
    });
    await(p.future());
    assertThat(list).hasSizeGreaterThanOrEqualTo(n);
  }

  static String body(String type, Object data) {
    return new JsonObject().put("type", type).put("data", data).encode();
  }

  static JsonObject delivered(String org) {
    return new JsonObject().put("orgId", "org_2aaaaaaaaaaaaaaaaaaaaaaaaaa").put("appId", "app_1").put("appUid", org)
      .put("endpointId", "ep_1").put("msgId", "msg_1").put("msgEventId", "evt-1")
      .put("msgCreated", Instant.now().toString()).put("attemptStart", Instant.now().toString())
      .put("attemptEnd", Instant.now().toString()).put("attemptId", "atmpt_1").put("responseStatusCode", 200)
      .put("attemptCount", 1).put("status", 0).put("eventType", "sandbox.created");
  }

  private static Future<HttpResponse<Buffer>> post(String secret, String svixId, long timestamp, String raw) throws Exception {
    String signature = new Webhook(secret).sign(svixId, timestamp, raw);
    return http.post(service.port(), "127.0.0.1", PATH)
      .putHeader("content-type", "application/json")
      .putHeader("svix-id", svixId)
      .putHeader("svix-timestamp", Long.toString(timestamp))
      .putHeader("svix-signature", signature)
      .sendBuffer(Buffer.buffer(raw));
  }

  private static String newId() {
    return "msg_" + UUID.randomUUID().toString().replace("-", "");
  }

  @Test
  void aValidSignatureIsAcceptedAndPublishedToTheOrganizationAndAdmins() throws Exception {
    String raw = body("message.attempt.log", new JsonArray().add(delivered(org)));
    long ts = Instant.now().getEpochSecond();
    // a base64 signature with '+' must arrive intact (header values are not form-decoded)
    String id = newId();
    for (int i = 0; i < 500 && !new Webhook(SECRET).sign(id, ts, raw).contains("+"); i++) {
      id = newId();
    }
    assertThat(new Webhook(SECRET).sign(id, ts, raw)).contains("+");
    HttpResponse<Buffer> res = await(post(SECRET, id, ts, raw));
    assertThat(res.statusCode()).isEqualTo(204);
    awaitCount(orgMessages, 1);
    awaitCount(adminMessages, 1);
    JsonObject message = orgMessages.get(0);
    assertThat(message.getString("type")).isEqualTo("webhook.delivered");
    assertThat(message.getString("organizationId")).isEqualTo(org);
    assertThat(message.getJsonObject("data").getString("msgEventId")).isEqualTo("evt-1");
    assertThat(Instant.parse(message.getString("timestamp"))).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(60));
    assertThat(adminMessages.get(0)).isEqualTo(message);
  }

  @Test
  void aForgedSignatureIs401AndPublishesNothing() throws Exception {
    String raw = body("message.attempt.log", new JsonArray().add(delivered(org)));
    String other = "whsec_" + java.util.Base64.getEncoder().encodeToString("some-other-secret-of-32-bytes!!!".getBytes());
    HttpResponse<Buffer> res = await(post(other, newId(), Instant.now().getEpochSecond(), raw));
    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(res.getHeader("content-type")).startsWith("application/problem+json");
    // a body altered after signing is a forgery too
    String id = newId();
    long ts = Instant.now().getEpochSecond();
    String signature = new Webhook(SECRET).sign(id, ts, raw);
    String tampered = raw.replace("evt-1", "evt-2");
    HttpResponse<Buffer> res2 = await(http.post(service.port(), "127.0.0.1", PATH)
      .putHeader("content-type", "application/json").putHeader("svix-id", id)
      .putHeader("svix-timestamp", Long.toString(ts)).putHeader("svix-signature", signature)
      .sendBuffer(Buffer.buffer(tampered)));
    assertThat(res2.statusCode()).isEqualTo(401);
    settle();
    assertThat(orgMessages).isEmpty();
    assertThat(adminMessages).isEmpty();
  }

  @Test
  void aStaleSignatureIs401AndPublishesNothing() throws Exception {
    String raw = body("message.attempt.log", new JsonArray().add(delivered(org)));
    long tenMinutesAgo = Instant.now().minusSeconds(600).getEpochSecond();
    assertThat(await(post(SECRET, newId(), tenMinutesAgo, raw)).statusCode()).isEqualTo(401);
    long inTheFuture = Instant.now().plusSeconds(600).getEpochSecond();
    assertThat(await(post(SECRET, newId(), inTheFuture, raw)).statusCode()).isEqualTo(401);
    settle();
    assertThat(orgMessages).isEmpty();
  }

  @Test
  void missingSignatureHeadersAre401() throws Exception {
    String raw = body("endpoint.created", new JsonObject().put("appId", "app_1").put("appUid", org).put("endpointId", "ep_1"));
    HttpResponse<Buffer> res = await(http.post(service.port(), "127.0.0.1", PATH)
      .putHeader("content-type", "application/json").sendBuffer(Buffer.buffer(raw)));
    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(res.bodyAsJsonObject().getString("detail")).contains("svix-signature");
    settle();
    assertThat(orgMessages).isEmpty();
  }

  @Test
  void aReplayedDeliveryPublishesOnce() throws Exception {
    String id = newId();
    String raw = body("endpoint.created", new JsonObject().put("appId", "app_1").put("appUid", org).put("endpointId", "ep_replay"));
    long ts = Instant.now().getEpochSecond();
    assertThat(await(post(SECRET, id, ts, raw)).statusCode()).isEqualTo(204);
    assertThat(await(post(SECRET, id, ts, raw)).statusCode()).isEqualTo(204);
    assertThat(await(post(SECRET, id, Instant.now().getEpochSecond(), raw)).statusCode()).isEqualTo(204);
    awaitCount(orgMessages, 1);
    settle();
    assertThat(orgMessages).hasSize(1);
    assertThat(orgMessages.get(0).getString("type")).isEqualTo("endpoint.created");
    assertThat(orgMessages.get(0).getJsonObject("data").getString("endpointId")).isEqualTo("ep_replay");
  }

  @Test
  void everyEndpointTypeIsPublishedWithItsMappedType() throws Exception {
    List<String> types = List.of("endpoint.created", "endpoint.updated", "endpoint.deleted", "endpoint.disabled", "endpoint.enabled");
    for (String type : types) {
      String raw = body(type, new JsonObject().put("appId", "app_1").put("appUid", org).put("endpointId", "ep_" + type));
      assertThat(await(post(SECRET, newId(), Instant.now().getEpochSecond(), raw)).statusCode()).isEqualTo(204);
    }
    awaitCount(orgMessages, 5);
    assertThat(orgMessages).extracting(m -> m.getString("type")).containsExactlyInAnyOrder(
      "endpoint.created", "endpoint.updated", "endpoint.deleted", "endpoint.updated", "endpoint.updated");
  }

  @Test
  void attemptTypesArePublishedAsDeliveredOrFailed() throws Exception {
    JsonObject failedAttempt = new JsonObject().put("appId", "app_1").put("appUid", org).put("msgId", "msg_1")
      .put("endpointId", "ep_1").put("lastAttempt", new JsonObject().put("id", "atmpt_1").put("responseStatusCode", 500)
        .put("timestamp", Instant.now().toString()));
    JsonObject recovered = failedAttempt.copy().put("lastAttempt", new JsonObject().put("id", "atmpt_2")
      .put("responseStatusCode", 200).put("timestamp", Instant.now().toString()));
    JsonArray log = new JsonArray().add(delivered(org)).add(delivered(org).put("status", 2).put("responseStatusCode", 503));
    String[][] cases = {
      {"message.attempt.exhausted", failedAttempt.encode()},
      {"message.attempt.failing", failedAttempt.encode()},
      {"message.attempt.recovered", recovered.encode()},
    };
    for (String[] c : cases) {
      String raw = body(c[0], new JsonObject(c[1]));
      assertThat(await(post(SECRET, newId(), Instant.now().getEpochSecond(), raw)).statusCode()).isEqualTo(204);
    }
    assertThat(await(post(SECRET, newId(), Instant.now().getEpochSecond(), body("message.attempt.log", log))).statusCode())
      .isEqualTo(204);
    awaitCount(orgMessages, 5);
    assertThat(orgMessages).extracting(m -> m.getString("type") + "/" + m.getJsonObject("data").getString("svixEventType"))
      .containsExactlyInAnyOrder(
        "webhook.failed/message.attempt.exhausted", "webhook.failed/message.attempt.failing",
        "webhook.delivered/message.attempt.recovered", "webhook.delivered/message.attempt.log",
        "webhook.failed/message.attempt.log");
  }

  @Test
  void typesItDoesNotUseAre204AndPublishNothing() throws Exception {
    String raw = body("background_task.finished", new JsonObject().put("taskId", "qtask_1").put("status", "finished"));
    assertThat(await(post(SECRET, newId(), Instant.now().getEpochSecond(), raw)).statusCode()).isEqualTo(204);
    settle();
    assertThat(orgMessages).isEmpty();
  }

  @Test
  void withoutTheSecretConfiguredTheReceiverAnswers503() throws Exception {
    WebhookService unconfigured = TestService.start(Map.of())
      .toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    try {
      String raw = body("endpoint.created", new JsonObject().put("appId", "app_1").put("appUid", org).put("endpointId", "ep_1"));
      String signature = new Webhook(SECRET).sign("msg_x", Instant.now().getEpochSecond(), raw);
      HttpResponse<Buffer> res = await(WebClient.create(unconfigured.vertx()).post(unconfigured.port(), "127.0.0.1", PATH)
        .putHeader("content-type", "application/json").putHeader("svix-id", "msg_x")
        .putHeader("svix-timestamp", Long.toString(Instant.now().getEpochSecond()))
        .putHeader("svix-signature", signature).sendBuffer(Buffer.buffer(raw)));
      assertThat(res.statusCode()).isEqualTo(503);
      assertThat(res.bodyAsJsonObject().getString("detail")).contains("SVIX_OPERATIONAL_WEBHOOK_SECRET");
    } finally {
      unconfigured.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
