package io.daytona.webhooks.auth;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestService;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes on one database: each looks a credential up at most once a minute, and a credential revoked or
 * deleted through one node, the command line or plain SQL is refused on the other at once (LISTEN/NOTIFY).
 */
class CredentialCacheTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private static Vertx vertx;
  private static String databaseUrl;
  private static WebhookService nodeA;
  private static WebhookService nodeB;
  private static WebClient client;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    databaseUrl = TestDatabase.freshDatabaseUrl();
    nodeA = block(TestService.start(Map.of("DATABASE_URL", databaseUrl)), WAIT);
    nodeB = block(TestService.start(Map.of("DATABASE_URL", databaseUrl)), WAIT);
    client = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() {
    for (WebhookService s : new WebhookService[] {nodeA, nodeB}) {
      if (s != null) {
        block(s.stop(), WAIT);
      }
    }
    block(vertx.close(), WAIT);
  }

  private static int status(WebhookService node, String token) {
    return block(client.get(node.port(), "127.0.0.1", "/api/webhooks/event-types").bearerTokenAuthentication(token)
      .send(), WAIT).statusCode();
  }

  private static double lookups(WebhookService node, String kind) {
    Counter counter = node.context().meters().find("webhooks.auth.lookups").tag("kind", kind).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Milliseconds until {@code node} refuses {@code token} (fails past five seconds). */
  private static long millisUntilRefused(WebhookService node, String token) {
    long start = System.nanoTime();
    while (status(node, token) != 401) {
      assertThat(System.nanoTime() - start).as("refused within 5 s").isLessThan(5_000_000_000L);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void manyRequestsWithOneKeyCostOneLookUpAndAnUnknownKeyToo() {
    String key = ApiKeys.newKey();
    block(nodeA.context().apiKeys().store(key, "org-many", "test"), WAIT);
    String unknown = ApiKeys.newKey();
    double before = lookups(nodeB, "api-key");
    List<Future<HttpResponse<Buffer>>> calls = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      calls.add(client.get(nodeB.port(), "127.0.0.1", "/api/webhooks/event-types").bearerTokenAuthentication(key).send());
      calls.add(client.get(nodeB.port(), "127.0.0.1", "/api/webhooks/event-types").bearerTokenAuthentication(unknown).send());
    }
    block(Future.all(new ArrayList<>(calls)), WAIT);
    for (int i = 0; i < calls.size(); i++) {
      assertThat(calls.get(i).result().statusCode()).isEqualTo(i % 2 == 0 ? 200 : 401);
    }
    assertThat(lookups(nodeB, "api-key") - before).as("one look-up per credential").isEqualTo(2);
  }

  @Test
  void aKeyRevokedThroughTheCommandLinesCodeIsRefusedOnTheOtherNodeWithinASecond() {
    String key = ApiKeys.newKey();
    block(nodeA.context().apiKeys().store(key, "org-revoked", "test"), WAIT);
    assertThat(status(nodeB, key)).isEqualTo(200);
    assertThat(status(nodeB, key)).as("answered from the cache").isEqualTo(200);

    // what revoke-api-key runs, in another pool (as the command line's own process would)
    ApiKeys elsewhere = new ApiKeys(nodeA.context().database().pool());
    assertThat(block(elsewhere.revoke(key.substring(0, 12)), WAIT)).isEqualTo(1);
    assertThat(millisUntilRefused(nodeB, key)).isLessThan(1_000);
    assertThat(status(nodeA, key)).isEqualTo(401);
  }

  @Test
  void aKeyRevokedOrAPortalTokenDeletedInPlainSqlIsRefusedAtOnce() throws Exception {
    String key = ApiKeys.newKey();
    block(nodeA.context().apiKeys().store(key, "org-sql", "test"), WAIT);
    PortalTokens.Minted portal = block(new PortalTokens(nodeA.context().database().pool())
      .mint("org-sql", Duration.ofHours(1), "test"), WAIT);
    assertThat(status(nodeB, key)).isEqualTo(200);
    assertThat(status(nodeB, portal.token())).isEqualTo(200);

    try (Connection c = TestDatabase.connect(databaseUrl)) {
      try (PreparedStatement st = c.prepareStatement("UPDATE api_keys SET revoked_at = now() WHERE key_hash = ?")) {
        st.setString(1, ApiKeys.hash(key));
        assertThat(st.executeUpdate()).isEqualTo(1);
      }
      try (PreparedStatement st = c.prepareStatement("DELETE FROM portal_tokens WHERE token_hash = ?")) {
        st.setString(1, ApiKeys.hash(portal.token()));
        assertThat(st.executeUpdate()).isEqualTo(1);
      }
    }
    assertThat(millisUntilRefused(nodeB, key)).isLessThan(1_000);
    assertThat(millisUntilRefused(nodeB, portal.token())).isLessThan(1_000);
  }
}
