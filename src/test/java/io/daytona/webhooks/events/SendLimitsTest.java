package io.daytona.webhooks.events;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST …/send}: platform event types are for admins; SEND_RATE_LIMIT per organization (429, nothing accepted). */
@ExtendWith(VertxExtension.class)
class SendLimitsTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  /** Low, so that 150 sends in about a second are over it (the default, 100/s with bursts of 200, is not). */
  private static final int RATE = 20;

  private WebhookService service;
  private WebClient client;
  private String databaseUrl;

  @BeforeEach
  void setUp(Vertx vertx) {
    databaseUrl = TestDatabase.freshDatabaseUrl();
    service = block(TestService.start(Map.of("DATABASE_URL", databaseUrl, "SEND_RATE_LIMIT", String.valueOf(RATE))), WAIT);
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(service.port()),
      new PoolOptions().setHttp1MaxSize(64));
  }

  @AfterEach
  void tearDown() {
    if (service != null) {
      block(service.stop(), WAIT);
    }
  }

  private Future<HttpResponse<Buffer>> send(String token, String org, String eventType) {
    return client.post("/api/webhooks/organizations/" + org + "/send").bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("eventType", eventType).put("payload", new JsonObject().put("n", 1)));
  }

  private long outboxRows(String org) throws Exception {
    try (Connection c = TestDatabase.connect(databaseUrl); ResultSet rs = c.createStatement()
      .executeQuery("SELECT count(*) FROM event_outbox WHERE organization_id = '" + org + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void platformEventTypesAreForAdminsOnly(Vertx vertx) throws Exception {
    String user = TestTokens.user(vertx, "u1", "org-p");
    for (String type : new String[] {"sandbox.created", "audit-log.updated", "volume.lastUsedAt.updated", "organization.created"}) {
      HttpResponse<Buffer> r = block(send(user, "org-p", type), WAIT);
      assertThat(r.statusCode()).as(type).isEqualTo(403);
      assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(r.bodyAsJsonObject().getString("detail")).contains(type);
    }
    assertThat(outboxRows("org-p")).isZero();
    assertThat(block(send(user, "org-p", "invoice.paid"), WAIT).statusCode()).isEqualTo(202);
    assertThat(block(send(user, "org-p", "sandbox.created.custom"), WAIT).statusCode()).isEqualTo(202);
    assertThat(block(send(TestTokens.admin(vertx), "org-p", "sandbox.created"), WAIT).statusCode()).isEqualTo(202);
    assertThat(outboxRows("org-p")).isEqualTo(3);
  }

  @Test
  void overTheRateOneOrganizationGets429WhileAnotherIsAccepted(Vertx vertx) throws Exception {
    String a = TestTokens.user(vertx, "ua", "org-a");
    String b = TestTokens.user(vertx, "ub", "org-b");
    List<Future<HttpResponse<Buffer>>> fromA = new ArrayList<>();
    List<Future<HttpResponse<Buffer>>> fromB = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 150; i++) {
      fromA.add(send(a, "org-a", "custom.burst"));
      if (i % 10 == 0) {
        fromB.add(send(b, "org-b", "custom.burst"));
      }
    }
    block(Future.join(new ArrayList<>(fromA)), WAIT);
    block(Future.join(new ArrayList<>(fromB)), WAIT);
    double seconds = (System.nanoTime() - start) / 1e9;

    long accepted = fromA.stream().filter(f -> f.result().statusCode() == 202).count();
    List<HttpResponse<Buffer>> limited = fromA.stream().map(Future::result).filter(r -> r.statusCode() == 429).toList();
    assertThat(accepted + limited.size()).as("every answer is 202 or 429").isEqualTo(150);
    assertThat(limited).as("150 sends in %.2f s", seconds).isNotEmpty();
    // the burst (twice the rate) and what refilled meanwhile, nothing more
    assertThat(accepted).isBetween((long) 2 * RATE, (long) (2 * RATE + RATE * seconds + 1));
    for (HttpResponse<Buffer> r : limited) {
      assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(Integer.parseInt(r.getHeader("Retry-After"))).isBetween(1, 60);
      assertThat(r.bodyAsJsonObject().getInteger("status")).isEqualTo(429);
    }
    assertThat(fromB).allSatisfy(f -> assertThat(f.result().statusCode()).as(f.result().bodyAsString()).isEqualTo(202));
    // nothing of a 429 was accepted
    assertThat(outboxRows("org-a")).isEqualTo(accepted);
    assertThat(outboxRows("org-b")).isEqualTo(fromB.size());
  }
}
