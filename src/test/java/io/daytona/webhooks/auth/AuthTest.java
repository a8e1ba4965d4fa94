package io.daytona.webhooks.auth;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Every authentication and authorization rule of the spec, over real HTTP. */
class AuthTest {

  private static final String ISSUER = "https://issuer.test";
  private static final String AUDIENCE = "webhooks";
  /** An operation any caller of org-a may use. */
  private static final String ORG_A_STATUS = "/api/webhooks/organizations/org-a/initialization-status";

  private static Vertx vertx;
  private static WebhookService service;
  private static WebClient client;
  private static KeyPair rsa;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    rsa = generator.generateKeyPair();
    String publicPem = "-----BEGIN PUBLIC KEY-----\n"
      + Base64.getMimeEncoder().encodeToString(rsa.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    service = await(TestService.start(Map.of("JWT_PUBLIC_KEY", publicPem, "JWT_ISSUER", ISSUER, "JWT_AUDIENCE", AUDIENCE)));
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(service.port()));
  }

  @AfterAll
  static void stop() throws Exception {
    await(service.stop());
    await(vertx.close());
  }

  // ------------------------------------------------------------------ 401

  @Test
  void noCredentialsIs401() throws Exception {
    HttpResponse<Buffer> r = get("/api/webhooks/status", null, null);
    assertProblem(r, 401);
    assertThat(r.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
  }

  @Test
  void malformedTokenIs401() throws Exception {
    assertProblem(get("/api/webhooks/status", "Bearer not.a.jwt", null), 401);
    assertProblem(get("/api/webhooks/status", "Basic dXNlcjpwYXNz", null), 401);
    assertProblem(get("/api/webhooks/status", "Bearer ", null), 401);
  }

  @Test
  void wrongSignatureIs401() throws Exception {
    String forged = hs256("another-secret-that-is-also-long-enough-0123456789", claims("u1", "org-a"), true);
    assertProblem(get("/api/webhooks/status", "Bearer " + forged, null), 401);
  }

  @Test
  void withBothKeysConfiguredHs256AndRs256AreAccepted() throws Exception {
    String hs = hs256(TestTokens.SECRET, claims("u1", "org-a"), true);
    assertThat(get(ORG_A_STATUS, "Bearer " + hs, null).statusCode()).isEqualTo(200);
    String hsWithoutIssuer = hs256(TestTokens.SECRET, claims("u1", "org-a"), false);
    assertProblem(get(ORG_A_STATUS, "Bearer " + hsWithoutIssuer, null), 401);
  }

  @Test
  void algNoneIs401() throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String payload = b64.encodeToString(claims("u1", "org-a").put("iss", ISSUER).put("aud", AUDIENCE)
      .encode().getBytes(StandardCharsets.UTF_8));
    assertProblem(get("/api/webhooks/status", "Bearer " + header + "." + payload + ".", null), 401);
  }

  @Test
  void expiredTokenIs401() throws Exception {
    JsonObject expired = claims("u1", "org-a").put("exp", Instant.now().minusSeconds(3600).getEpochSecond());
    assertProblem(get("/api/webhooks/status", "Bearer " + rs256(expired, ISSUER, AUDIENCE), null), 401);
  }

  @Test
  void aTokenWithoutExpIs401() throws Exception {
    String rsNoExp = rs256(claims("u1", "org-a"), ISSUER, AUDIENCE, false);
    assertProblem(get("/api/webhooks/organizations/org-a/initialization-status", "Bearer " + rsNoExp, null), 401);
    String hsNoExp = TestTokens.hs256Exactly(vertx, TestTokens.SECRET, claims("u1", "org-a"),
      new JWTOptions().setIssuer(ISSUER).setAudience(java.util.List.of(AUDIENCE)));
    HttpResponse<Buffer> r = get("/api/webhooks/organizations/org-a/initialization-status", "Bearer " + hsNoExp, null);
    assertProblem(r, 401);
    assertThat(r.bodyAsJsonObject().getString("detail")).contains("exp");
    // the same claims with exp pass
    assertThat(get("/api/webhooks/organizations/org-a/initialization-status",
      "Bearer " + rs256(claims("u1", "org-a"), ISSUER, AUDIENCE), null).statusCode()).isEqualTo(200);
  }

  @Test
  void aTokenWhoseNbfLiesAheadIs401() throws Exception {
    long now = Instant.now().getEpochSecond();
    JsonObject notYet = claims("u1", "org-a").put("nbf", now + 600);
    assertProblem(get("/api/webhooks/organizations/org-a/initialization-status", "Bearer " + rs256(notYet, ISSUER, AUDIENCE), null), 401);
    JsonObject alreadyValid = claims("u1", "org-a").put("nbf", now - 60);
    assertThat(get("/api/webhooks/organizations/org-a/initialization-status",
      "Bearer " + rs256(alreadyValid, ISSUER, AUDIENCE), null).statusCode()).isEqualTo(200);
  }

  @Test
  void wrongIssuerOrAudienceIs401() throws Exception {
    assertProblem(get("/api/webhooks/status", "Bearer " + rs256(claims("u1", "org-a"), "https://evil.test", AUDIENCE), null), 401);
    assertProblem(get("/api/webhooks/status", "Bearer " + rs256(claims("u1", "org-a"), ISSUER, "other-service"), null), 401);
  }

  @Test
  void unknownApiKeyIs401InBothHeaderForms() throws Exception {
    String unknown = ApiKeys.newKey();
    assertProblem(get("/api/webhooks/status", "Bearer " + unknown, null), 401);
    assertProblem(get("/api/webhooks/status", null, unknown), 401);
    assertProblem(get("/api/webhooks/status", null, "not-a-key"), 401);
  }

  // ------------------------------------------------------------------ accepted credentials

  @Test
  void validRs256TokenIsAccepted() throws Exception {
    HttpResponse<Buffer> r = get(ORG_A_STATUS, "Bearer " + rs256(claims("u1", "org-a"), ISSUER, AUDIENCE), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getString("organizationId")).isEqualTo("org-a");
  }

  @Test
  void apiKeyWorksInBothHeaderFormsAndIsStoredOnlyAsAHash() throws Exception {
    String key = ApiKeys.newKey();
    await(service.context().apiKeys().store(key, "org-k", "test"));
    assertThat(get("/api/webhooks/organizations/org-k/initialization-status", "Bearer " + key, null).statusCode())
      .isEqualTo(200);
    assertThat(get("/api/webhooks/organizations/org-k/initialization-status", null, key).statusCode()).isEqualTo(200);
    var rows = await(service.context().database().pool()
      .query("SELECT key_hash, key_prefix FROM api_keys WHERE organization_id = 'org-k'").execute());
    assertThat(rows.size()).isEqualTo(1);
    var row = rows.iterator().next();
    assertThat(row.getString("key_hash")).isEqualTo(ApiKeys.hash(key)).doesNotContain(key);
    assertThat(key).startsWith(row.getString("key_prefix"));
  }

  @Test
  void aRevokedApiKeyIs401AtOnce() throws Exception {
    String key = ApiKeys.newKey();
    await(service.context().apiKeys().store(key, "org-r", null));
    assertThat(get("/api/webhooks/organizations/org-r/initialization-status", null, key).statusCode()).isEqualTo(200);
    assertThat(await(service.context().apiKeys().revoke(key.substring(0, 12)))).isEqualTo(1);
    // the revocation's notice reaches every node's credential cache within milliseconds of its commit
    long revokedAt = System.nanoTime();
    while (get("/api/webhooks/organizations/org-r/initialization-status", null, key).statusCode() != 401) {
      assertThat(System.nanoTime() - revokedAt).as("refused within a second").isLessThan(1_000_000_000L);
    }
    assertProblem(get("/api/webhooks/organizations/org-r/initialization-status", null, key), 401);
    assertProblem(get("/api/webhooks/organizations/org-r/initialization-status", "Bearer " + key, null), 401);
  }

  // ------------------------------------------------------------------ 403

  @Test
  void otherOrganizationIs403ForTokensAndKeys() throws Exception {
    String token = "Bearer " + rs256(claims("u1", "org-a"), ISSUER, AUDIENCE);
    assertProblem(get("/api/webhooks/organizations/org-b/initialization-status", token, null), 403);
    assertThat(get("/api/webhooks/organizations/org-a/initialization-status", token, null).statusCode())
      .isNotIn(401, 403);

    String key = ApiKeys.newKey();
    await(service.context().apiKeys().store(key, "org-a", null));
    assertProblem(get("/api/webhooks/organizations/org-b/endpoints", null, key), 403);
    assertThat(get("/api/webhooks/organizations/org-a/endpoints", null, key).statusCode()).isNotIn(401, 403);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"GET,/api/webhooks/initialization-stats", "POST,/api/webhooks/retry-failed-initializations",
    "POST,/api/webhooks/update-all-endpoints", "GET,/api/webhooks/status"})
  void systemWideOperationsNeedAdmin(String method, String path) throws Exception {
    String user = "Bearer " + rs256(claims("u1", "org-a"), ISSUER, AUDIENCE);
    assertProblem(send(HttpMethod.valueOf(method), path, user, null), 403);

    String orgKey = ApiKeys.newKey();
    await(service.context().apiKeys().store(orgKey, "org-a", null));
    assertProblem(send(HttpMethod.valueOf(method), path, null, orgKey), 403);

    JsonObject adminClaims = new JsonObject().put("sub", "root").put("roles", new JsonArray().add("admin"));
    String admin = "Bearer " + rs256(adminClaims, ISSUER, AUDIENCE);
    assertThat(send(HttpMethod.valueOf(method), path, admin, null).statusCode()).isNotIn(401, 403);

    String adminKey = ApiKeys.newKey();
    await(service.context().apiKeys().store(adminKey, null, null));
    assertThat(send(HttpMethod.valueOf(method), path, null, adminKey).statusCode()).isNotIn(401, 403);
  }

  @Test
  void adminReachesEveryOrganization() throws Exception {
    JsonObject adminClaims = new JsonObject().put("sub", "root").put("roles", new JsonArray().add("admin"));
    String admin = "Bearer " + rs256(adminClaims, ISSUER, AUDIENCE);
    assertThat(get("/api/webhooks/organizations/any-org/initialization-status", admin, null).statusCode())
      .isNotIn(401, 403);
  }

  @Test
  void publicRoutesNeedNoCredentials() throws Exception {
    assertThat(get("/health/live", null, null).statusCode()).isEqualTo(200);
    assertThat(get("/health/ready", null, null).statusCode()).isEqualTo(200);
    assertThat(get("/metrics", null, null).statusCode()).isEqualTo(200);
    assertThat(get("/openapi.yaml", null, null).statusCode()).isEqualTo(200);
    assertProblem(get("/api/webhooks/preconfigured-endpoints", null, null), 401);
  }

  // ------------------------------------------------------------------ before the body

  @ParameterizedTest(name = "{0}")
  @CsvSource({"no credentials,/api/webhooks/organizations/org-a/endpoints,",
    "unknown API key,/api/webhooks/organizations/org-a/endpoints,X-API-Key: whk_unknownunknownunknown",
    "unsigned operational webhook,/api/webhooks/svix/operational,"})
  void aRefusedCallerGets401BeforeItsBodyIsRead(String name, String path, String header) throws Exception {
    int total = 1024 * 1024;
    int chunk = 8 * 1024;
    var socket = await(vertx.createNetClient().connect(service.port(), "127.0.0.1"));
    var answered = new java.util.concurrent.CompletableFuture<Integer>();
    var response = Buffer.buffer();
    int[] written = {0};
    socket.handler(data -> {
      response.appendBuffer(data);
      answered.complete(written[0]);
    });
    var closed = new java.util.concurrent.CompletableFuture<Void>();
    socket.closeHandler(v -> closed.complete(null));
    socket.write("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      + (header == null ? "" : header + "\r\n") + "Content-Length: " + total + "\r\n\r\n");
    Buffer piece = Buffer.buffer(new byte[chunk]);
    long timer = vertx.setPeriodic(20, id -> {
      if (written[0] < total && !answered.isDone()) {
        socket.write(piece);
        written[0] += chunk;
      }
    });
    try {
      int writtenWhenAnswered = answered.get(60, TimeUnit.SECONDS);
      assertThat(writtenWhenAnswered).as("bytes sent before the answer").isLessThan(total / 2);
      assertThat(response.toString()).startsWith("HTTP/1.1 401");
      // and the connection is closed at once, not held (with what it read of the body) until the idle timeout
      closed.get(5, TimeUnit.SECONDS);
    } finally {
      vertx.cancelTimer(timer);
      socket.close();
    }
  }

  // ------------------------------------------------------------------ helpers

  private static JsonObject claims(String sub, String... orgs) {
    return new JsonObject().put("sub", sub).put("organizations", new JsonArray(java.util.List.of(orgs)))
      .put("roles", new JsonArray());
  }

  /** Signed with the test's RSA key; an {@code exp} an hour ahead unless the claims carry one. */
  private static String rs256(JsonObject claims, String issuer, String audience) {
    return rs256(claims, issuer, audience, !claims.containsKey("exp"));
  }

  private static String rs256(JsonObject claims, String issuer, String audience, boolean addExp) {
    String privatePem = "-----BEGIN PRIVATE KEY-----\n"
      + Base64.getMimeEncoder().encodeToString(rsa.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(privatePem)));
    JWTOptions options = new JWTOptions().setAlgorithm("RS256").setIssuer(issuer).setAudience(java.util.List.of(audience));
    if (addExp) {
      options.setExpiresInSeconds(TestTokens.EXPIRES_IN_SECONDS);
    }
    return signer.generateToken(claims, options);
  }

  private static String hs256(String secret, JsonObject claims, boolean withIssuer) {
    JWTOptions options = new JWTOptions();
    if (withIssuer) {
      options.setIssuer(ISSUER).setAudience(java.util.List.of(AUDIENCE));
    }
    return TestTokens.hs256(vertx, secret, claims, options);
  }

  private static HttpResponse<Buffer> get(String path, String authorization, String apiKey) throws Exception {
    return send(HttpMethod.GET, path, authorization, apiKey);
  }

  private static HttpResponse<Buffer> send(HttpMethod method, String path, String authorization, String apiKey)
    throws Exception {
    var request = client.request(method, path);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    if (apiKey != null) {
      request.putHeader("X-API-Key", apiKey);
    }
    return await(request.send());
  }

  static void assertProblem(HttpResponse<Buffer> r, int status) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = r.bodyAsJsonObject();
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("type")).isNotBlank();
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
  }

  static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
