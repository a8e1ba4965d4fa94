package io.daytona.webhooks.http;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The REST contract's edges: validation problems, size limit, unknown routes, health, metrics. */
class HttpContractTest {

  private static Vertx vertx;
  private static WebhookService service;
  private static WebClient client;
  private static String token;
  private static String databaseUrl;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    databaseUrl = TestDatabase.freshDatabaseUrl();
    service = await(TestService.start(Map.of("DATABASE_URL", databaseUrl)));
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(service.port()));
    token = "Bearer " + TestTokens.user(vertx, "u1", "org-1");
  }

  @AfterAll
  static void stop() throws Exception {
    await(service.stop());
    await(vertx.close());
  }

  @Test
  void eachBadFieldIsNamedByItsPointer() throws Exception {
    HttpResponse<Buffer> r = post("/api/webhooks/organizations/org-1/endpoints",
      new JsonObject().put("url", "ftp://files.example.com/x").put("colour", "red")
        .put("eventTypes", new JsonArray().add("sandbox.created").add("bad type!")));
    JsonObject problem = problem(r, 400);
    assertThat(pointers(problem)).containsExactlyInAnyOrder("/url", "/colour", "/eventTypes/1");
    assertThat(problem.getString("type")).endsWith("validation-error");
  }

  @Test
  void aMissingRequiredFieldIsNamedByItsOwnPointer() throws Exception {
    JsonObject problem = problem(post("/api/webhooks/organizations/org-1/endpoints",
      new JsonObject().put("description", "no url")), 400);
    assertThat(pointers(problem)).containsExactly("/url");
    assertThat(problem.getString("detail")).contains("/url");
  }

  @Test
  void wrongTypesAndOverlongStringsAreNamed() throws Exception {
    JsonObject problem = problem(post("/api/webhooks/organizations/org-1/send",
      new JsonObject().put("eventType", "x".repeat(300)).put("payload", "not an object").put("eventId", "has space")), 400);
    assertThat(pointers(problem)).containsExactlyInAnyOrder("/eventType", "/payload", "/eventId");
  }

  @Test
  void malformedJsonIsA400() throws Exception {
    HttpResponse<Buffer> r = await(client.post("/api/webhooks/organizations/org-1/send")
      .putHeader("Authorization", token).putHeader("Content-Type", "application/json")
      .sendBuffer(Buffer.buffer("{\"eventType\": ")));
    JsonObject problem = problem(r, 400);
    assertThat(problem.getJsonArray("errors")).hasSize(1);
  }

  @Test
  void badParametersAreNamed() throws Exception {
    assertThat(pointers(problem(get("/api/webhooks/organizations/org-1/endpoints?limit=999"), 400)))
      .containsExactly("/query/limit");
    assertThat(pointers(problem(get("/api/webhooks/organizations/org-1/endpoints?limit=ten"), 400)))
      .containsExactly("/query/limit");
    assertThat(pointers(problem(get("/api/webhooks/organizations/bad%20id!/endpoints"), 400)))
      .containsExactly("/path/organizationId");
    assertThat(pointers(problem(get("/api/webhooks/organizations/" + "o".repeat(257) + "/initialization-status"), 400)))
      .containsExactly("/path/organizationId");
  }

  @Test
  void badOrganizationIdsNeverReachAnOperation() throws Exception {
    String admin = "Bearer " + TestTokens.admin(vertx);
    for (String id : List.of("%2E", "%2E%2E", ".%2E")) {
      HttpResponse<Buffer> r = await(client.post("/api/webhooks/organizations/" + id + "/initialize")
        .putHeader("Authorization", admin).send());
      problem(r, 404);
    }
    // what the contract's pattern lets through, the organization id rule still refuses
    HttpResponse<Buffer> r = await(client.post("/api/webhooks/organizations/org%0A/initialize")
      .putHeader("Authorization", admin).send());
    assertThat(pointers(problem(r, 400))).containsExactly("/path/organizationId");
    try (Connection c = TestDatabase.connect(databaseUrl);
         ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM organization_initializations")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  @Test
  void bodiesOverOneMebibyteAre413() throws Exception {
    String big = "{\"eventType\":\"custom.big\",\"payload\":{\"blob\":\"" + "a".repeat(1024 * 1024) + "\"}}";
    HttpResponse<Buffer> r = await(client.post("/api/webhooks/organizations/org-1/send")
      .putHeader("Authorization", token).putHeader("Content-Type", "application/json")
      .sendBuffer(Buffer.buffer(big)));
    problem(r, 413);
  }

  @Test
  void sendPayloadsOverMaxPayloadBytesAre413() throws Exception {
    String admin = "Bearer " + TestTokens.admin(vertx);
    JsonObject over = new JsonObject().put("eventType", "custom.big")
      .put("payload", new JsonObject().put("blob", "a".repeat(262_144))); // the default MAX_PAYLOAD_BYTES
    HttpResponse<Buffer> r = await(client.post("/api/webhooks/organizations/org-big/send")
      .putHeader("Authorization", admin).sendJsonObject(over));
    JsonObject problem = problem(r, 413);
    assertThat(pointers(problem)).containsExactly("/payload");
    assertThat(problem.getString("detail")).contains("MAX_PAYLOAD_BYTES");

    JsonObject fits = new JsonObject().put("eventType", "custom.big")
      .put("payload", new JsonObject().put("blob", "a".repeat(262_144 - 20)));
    HttpResponse<Buffer> accepted = await(client.post("/api/webhooks/organizations/org-big/send")
      .putHeader("Authorization", admin).sendJsonObject(fits));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    try (Connection c = TestDatabase.connect(databaseUrl); ResultSet rs = c.createStatement().executeQuery(
      "SELECT count(*) FROM event_outbox WHERE organization_id = 'org-big'")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(1);
    }
  }

  @Test
  void badInputNeverReachesTheDatabase() throws Exception {
    post("/api/webhooks/organizations/org-1/send", new JsonObject().put("eventType", "a b").put("payload", new JsonObject()));
    post("/api/webhooks/organizations/org-1/endpoints", new JsonObject().put("url", "javascript:alert(1)"));
    try (Connection c = TestDatabase.connect(databaseUrl);
         ResultSet rs = c.createStatement().executeQuery(
           "SELECT (SELECT count(*) FROM event_outbox) + (SELECT count(*) FROM organization_initializations)")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  @Test
  void unknownRoutesAndMethodsAreProblems() throws Exception {
    problem(get("/api/webhooks/no-such-thing"), 404);
    problem(get("/nothing-here"), 404);
    HttpResponse<Buffer> r = await(client.delete("/api/webhooks/status").putHeader("Authorization", token).send());
    assertThat(r.statusCode()).isIn(404, 405);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
  }

  @Test
  void preconfiguredEndpointsAreListedWithUrlTemplates() throws Exception {
    HttpResponse<Buffer> r = get("/api/webhooks/preconfigured-endpoints");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonArray list = r.bodyAsJsonArray();
    assertThat(list).hasSize(5);
    JsonObject all = list.getJsonObject(4);
    assertThat(all.getString("name")).isEqualTo("all-events");
    assertThat(all.getString("url")).isEqualTo("https://webhook.daytona.io/{organizationId}/all-events");
    assertThat(all.getJsonArray("eventTypes")).hasSize(11);
    assertThat(list.getJsonObject(0).getJsonArray("eventTypes"))
      .containsExactly("sandbox.created", "sandbox.state.updated", "sandbox.desired-state.updated");
  }

  @Test
  void statusSaysWhatIsKnown() throws Exception {
    HttpResponse<Buffer> r = await(client.get("/api/webhooks/status")
      .putHeader("Authorization", "Bearer " + TestTokens.admin(vertx)).send());
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject status = r.bodyAsJsonObject();
    assertThat(status.getBoolean("enabled")).isFalse();
    assertThat(status.getJsonObject("svix").getBoolean("configured")).isFalse();
    assertThat(status.getJsonObject("svix").getBoolean("reachable")).isFalse();
    assertThat(status.getJsonObject("database").getBoolean("reachable")).isTrue();
    assertThat(status.getJsonObject("outbox").getLong("pending")).isZero();
    assertThat(status.getJsonObject("cluster").getBoolean("enabled")).isFalse();
  }

  @Test
  void healthMetricsAndContractAreServed() throws Exception {
    HttpResponse<Buffer> live = await(client.get("/health/live").send());
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.bodyAsJsonObject().getString("outcome")).isEqualTo("UP");
    HttpResponse<Buffer> ready = await(client.get("/health/ready").send());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getJsonArray("checks").getJsonObject(0).getString("id")).isEqualTo("database");
    String metrics = await(client.get("/metrics").send()).bodyAsString();
    assertThat(metrics).contains("vertx_http_server_requests").contains("jvm_memory_used_bytes");
    HttpResponse<Buffer> contract = await(client.get("/openapi.yaml").send());
    assertThat(contract.bodyAsString()).startsWith("openapi: 3.1.0").contains("application/problem+json");
  }

  @Test
  void readinessFailsWhenTheDatabaseIsGone() throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    WebhookService other = await(TestService.start(Map.of("DATABASE_URL", url)));
    try {
      WebClient c = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(other.port()));
      assertThat(await(c.get("/health/ready").send()).statusCode()).isEqualTo(200);
      String name = url.substring(url.lastIndexOf('/') + 1);
      String server = TestDatabase.serverUrl();
      try (Connection admin = TestDatabase.connect(server)) {
        admin.createStatement().execute("DROP DATABASE " + name + " WITH (FORCE)");
      }
      HttpResponse<Buffer> ready = await(c.get("/health/ready").send());
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.bodyAsJsonObject().getString("outcome")).isEqualTo("DOWN");
      assertThat(await(c.get("/health/live").send()).statusCode()).isEqualTo(200);
    } finally {
      await(other.stop());
    }
  }

  // ------------------------------------------------------------------ helpers

  @Test
  void theDashboardPageAndEveryScriptItLoadsAreServedWithoutCredentials() throws Exception {
    HttpResponse<Buffer> page = anonymous("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    List<String> scripts = new java.util.ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("<(?:script src|link rel=\"stylesheet\" href)=\"([^\"]+)\"")
      .matcher(page.bodyAsString());
    while (m.find()) {
      scripts.add(m.group(1));
    }
    assertThat(scripts).containsSubsequence("/assets/vendor/vertx-eventbus.js", "/assets/pages.js", "/assets/dashboard.js")
      .anyMatch(s -> s.contains("sockjs"));
    for (String script : scripts) {
      HttpResponse<Buffer> asset = anonymous(script);
      assertThat(asset.statusCode()).as(script).isEqualTo(200);
      assertThat(asset.body().length()).as(script).isGreaterThan(100);
      assertThat(asset.getHeader("X-Content-Type-Options")).as(script).isEqualTo("nosniff");
    }
    // the vendored event-bus client is served byte for byte as published (see src/main/vendor/README.md)
    byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
      .digest(anonymous("/assets/vendor/vertx-eventbus.js").body().getBytes());
    assertThat(java.util.HexFormat.of().formatHex(digest))
      .isEqualTo("d2c17cc01b039c05afe9f3a1cb32f3980a9562843a1ede5c91f2acea3641d658");
  }

  private static List<String> pointers(JsonObject problem) {
    return problem.getJsonArray("errors").stream().map(o -> ((JsonObject) o).getString("pointer")).toList();
  }

  private static JsonObject problem(HttpResponse<Buffer> r, int status) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = r.bodyAsJsonObject();
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("detail")).isNotBlank().doesNotContain("Exception").doesNotContain("SELECT");
    return problem;
  }

  private static HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(path).putHeader("Authorization", token).send());
  }

  private static HttpResponse<Buffer> anonymous(String path) throws Exception {
    return await(client.get(path).send());
  }

  private static HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return await(client.post(path).putHeader("Authorization", token).sendJsonObject(body));
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
