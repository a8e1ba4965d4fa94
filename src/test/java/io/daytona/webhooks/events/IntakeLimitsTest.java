package io.daytona.webhooks.events;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.daytona.webhooks.testsupport.Eventually.eventually;
import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one node takes in is bounded: {@code OUTBOX_INTAKE_QUEUE} (503 with {@code Retry-After} on {@code /send}, a
 * 503 failure on the bus, never an acknowledgement without a commit) and {@code MAX_CUSTOM_EVENT_TYPES} (400
 * naming the field, the types already in use still accepted).
 */
@ExtendWith(VertxExtension.class)
class IntakeLimitsTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private WebhookService service;
  private WebClient client;
  private String databaseUrl;

  private void start(Vertx vertx, Map<String, String> overrides) {
    databaseUrl = TestDatabase.freshDatabaseUrl();
    Map<String, String> config = new java.util.HashMap<>(overrides);
    config.put("DATABASE_URL", databaseUrl);
    service = block(TestService.start(config), WAIT);
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(service.port()),
      new PoolOptions().setHttp1MaxSize(32));
  }

  @AfterEach
  void tearDown() {
    if (service != null) {
      block(service.stop(), WAIT);
    }
  }

  private Future<HttpResponse<Buffer>> send(String token, String org, String eventType, String eventId) {
    JsonObject body = new JsonObject().put("eventType", eventType).put("payload", new JsonObject().put("n", 1));
    if (eventId != null) {
      body.put("eventId", eventId);
    }
    return client.post("/api/webhooks/organizations/" + org + "/send").bearerTokenAuthentication(token).sendJsonObject(body);
  }

  private Set<String> outboxEventIds(String org) throws Exception {
    Set<String> ids = new HashSet<>();
    try (Connection c = TestDatabase.connect(databaseUrl); ResultSet rs = c.createStatement()
      .executeQuery("SELECT event_id FROM event_outbox WHERE organization_id = '" + org + "'")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    return ids;
  }

  @Test
  void aFullIntakeQueueAnswers503AndAcknowledgesOnlyWhatItCommits(Vertx vertx) throws Exception {
    start(vertx, Map.of("OUTBOX_INTAKE_QUEUE", "2", "DATABASE_STATEMENT_TIMEOUT_MS", "120000"));
    String org = "org-intake";
    String token = TestTokens.user(vertx, "u1", org);
    // the custom type is recorded before the outbox is locked, so that every send below only waits on the outbox
    assertThat(block(send(token, org, "custom.intake", "warm-up"), WAIT).statusCode()).isEqualTo(202);

    List<Future<HttpResponse<Buffer>>> sends = new ArrayList<>();
    Future<Message<Object>> fromBus;
    try (Connection lock = TestDatabase.connect(databaseUrl)) {
      lock.setAutoCommit(false);
      try (Statement st = lock.createStatement()) {
        // inserts (and the dispatcher's claims) wait until this transaction ends: nothing commits meanwhile
        st.execute("LOCK TABLE event_outbox IN EXCLUSIVE MODE");
      }
      for (int i = 0; i < 10; i++) {
        sends.add(send(token, org, "custom.intake", "e-" + i));
      }
      // what was refused is answered while the queue is still full, without waiting for the database
      eventually(() -> sends.stream().filter(Future::isComplete).count() >= 8, WAIT);
      fromBus = service.vertx().eventBus().request("sandbox.created",
        new JsonObject().put("id", "sb-1").put("organizationId", org).put("state", "started"));
      eventually(fromBus::isComplete, WAIT);
      assertThat(sends.stream().filter(Future::isComplete).count()).as("two wait for their commit").isEqualTo(8);
      for (Future<HttpResponse<Buffer>> f : sends) {
        if (f.isComplete()) {
          HttpResponse<Buffer> r = f.result();
          assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(503);
          assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
          assertThat(r.getHeader("Retry-After")).isEqualTo("1");
          assertThat(r.bodyAsJsonObject().getString("detail")).contains("intake queue");
        }
      }
      assertThat(fromBus.failed()).isTrue();
      assertThat(fromBus.cause()).isInstanceOf(ReplyException.class);
      assertThat(((ReplyException) fromBus.cause()).failureCode()).isEqualTo(503);
      lock.commit();
    }
    block(Future.join(new ArrayList<>(sends)), WAIT);

    Set<String> acknowledged = new HashSet<>();
    for (Future<HttpResponse<Buffer>> f : sends) {
      if (f.result().statusCode() == 202) {
        acknowledged.add(f.result().bodyAsJsonObject().getString("eventId"));
      } else {
        assertThat(f.result().statusCode()).isEqualTo(503);
      }
    }
    assertThat(acknowledged).hasSize(2);
    Set<String> stored = outboxEventIds(org);
    // every acknowledgement was committed, nothing refused was stored
    assertThat(stored).containsAll(acknowledged).hasSize(acknowledged.size() + 1).contains("warm-up");
    // once the queue has room the service takes events again, on both paths
    assertThat(block(send(token, org, "custom.intake", "after"), WAIT).statusCode()).isEqualTo(202);
    Message<Object> reply = block(service.vertx().eventBus().request("sandbox.created",
      new JsonObject().put("id", "sb-2").put("organizationId", org).put("state", "started")), WAIT);
    assertThat(((JsonObject) reply.body()).getString("status")).isEqualTo("queued");
  }

  @Test
  void customEventTypesAreBoundedServiceWideAndThoseInUseStayAccepted(Vertx vertx) throws Exception {
    start(vertx, Map.of("MAX_CUSTOM_EVENT_TYPES", "3", "DELIVERY_PROVIDER", "builtin",
      "DELIVERY_ALLOWED_NETWORKS", "127.0.0.0/8"));
    String a = TestTokens.user(vertx, "ua", "org-a");
    String b = TestTokens.user(vertx, "ub", "org-b");
    assertThat(block(send(a, "org-a", "order.created", null), WAIT).statusCode()).isEqualTo(202);
    assertThat(block(send(b, "org-b", "order.paid", null), WAIT).statusCode()).isEqualTo(202);
    assertThat(block(send(a, "org-a", "order.shipped", null), WAIT).statusCode()).isEqualTo(202);

    // a fourth distinct type, from any organization, is refused and not stored
    HttpResponse<Buffer> over = block(send(b, "org-b", "order.refunded", "refused-1"), WAIT);
    assertThat(over.statusCode()).as(over.bodyAsString()).isEqualTo(400);
    assertThat(over.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(over.bodyAsString()).contains("/eventType").contains("MAX_CUSTOM_EVENT_TYPES");
    assertThat(outboxEventIds("org-b")).doesNotContain("refused-1");

    // platform types are not custom types; the types in use are still accepted by every organization
    assertThat(block(send(TestTokens.admin(vertx), "org-b", "sandbox.created", null), WAIT).statusCode()).isEqualTo(202);
    assertThat(block(send(b, "org-b", "order.created", null), WAIT).statusCode()).isEqualTo(202);

    // an endpoint filter counts the same way
    assertThat(block(client.post("/api/webhooks/organizations/org-a/initialize").bearerTokenAuthentication(a).send(), WAIT)
      .statusCode()).isEqualTo(200);
    HttpResponse<Buffer> endpoint = block(client.post("/api/webhooks/organizations/org-a/endpoints")
      .bearerTokenAuthentication(a).sendJsonObject(new JsonObject().put("url", "http://127.0.0.1:9/hook")
        .put("eventTypes", new JsonArray().add("order.created").add("order.cancelled"))), WAIT);
    assertThat(endpoint.statusCode()).as(endpoint.bodyAsString()).isEqualTo(400);
    assertThat(endpoint.bodyAsString()).contains("/eventTypes").contains("MAX_CUSTOM_EVENT_TYPES");
    HttpResponse<Buffer> known = block(client.post("/api/webhooks/organizations/org-a/endpoints")
      .bearerTokenAuthentication(a).sendJsonObject(new JsonObject().put("url", "http://127.0.0.1:9/hook")
        .put("eventTypes", new JsonArray().add("order.created").add("sandbox.created"))), WAIT);
    assertThat(known.statusCode()).as(known.bodyAsString()).isEqualTo(201);

    JsonArray catalog = block(client.get("/api/webhooks/event-types").bearerTokenAuthentication(a).send(), WAIT)
      .bodyAsJsonArray();
    List<String> names = catalog.stream().map(o -> ((JsonObject) o).getString("name")).toList();
    assertThat(names).contains("order.created", "order.paid", "order.shipped").doesNotContain("order.refunded", "order.cancelled");
  }
}
