package io.daytona.webhooks.http;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.daytona.webhooks.testsupport.Eventually.eventually;
import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code HTTP_BODY_BUDGET_BYTES}: the request bodies being read and handled reserve their size first; a request
 * that finds the budget spent is answered 503 with {@code Retry-After}, unread, and another gets in once a
 * reservation ends.
 */
class BodyBudgetTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int MIB = 1024 * 1024;

  private Vertx vertx;
  private WebhookService service;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    service = block(TestService.start(Map.of("HTTP_BODY_BUDGET_BYTES", String.valueOf(2 * MIB))), WAIT);
  }

  @AfterEach
  void stop() {
    if (service != null) {
      block(service.stop(), WAIT);
    }
    block(vertx.close(), WAIT);
  }

  private double reserved() {
    Gauge gauge = service.context().meters().find("webhooks.http.bodies.reserved").gauge();
    return gauge == null ? -1 : gauge.value();
  }

  /** A /send whose 1 MiB body is still arriving: it holds its reservation. */
  private HttpClientRequest halfSent(HttpClient http, String token) {
    HttpClientRequest req = block(http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
      .setPort(service.port()).setURI("/api/webhooks/organizations/org-b/send")), WAIT);
    req.putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/json")
      .putHeader("Content-Length", String.valueOf(MIB));
    block(req.write(Buffer.buffer("{\"eventType\":\"custom.big\",\"payload\":{\"d\":\"" + "x".repeat(1000))), WAIT);
    return req;
  }

  @Test
  void aRequestThatFindsTheBudgetSpentIs503UnreadAndGetsInOnceARequestEnds() {
    String token = TestTokens.user(vertx, "u1", "org-b");
    HttpClient first = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(1));
    HttpClient second = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(1));
    halfSent(first, token);
    HttpClientRequest other = halfSent(second, token);
    eventually(() -> reserved() == 2 * MIB, WAIT);

    WebClient client = WebClient.create(vertx);
    JsonObject small = new JsonObject().put("eventType", "custom.small").put("payload", new JsonObject().put("n", 1));
    HttpResponse<Buffer> refused = block(client.post(service.port(), "127.0.0.1", "/api/webhooks/organizations/org-b/send")
      .bearerTokenAuthentication(token).sendJsonObject(small), WAIT);
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(503);
    assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
    assertThat(refused.getHeader("Content-Type")).isEqualTo("application/problem+json");
    // requests without a body are not affected
    assertThat(block(client.get(service.port(), "127.0.0.1", "/api/webhooks/event-types").bearerTokenAuthentication(token)
      .send(), WAIT).statusCode()).isEqualTo(200);

    // one of the large bodies goes away: its reservation ends with its connection
    block(other.connection().close(), WAIT);
    eventually(() -> reserved() == MIB, WAIT);
    HttpResponse<Buffer> accepted = block(client.post(service.port(), "127.0.0.1", "/api/webhooks/organizations/org-b/send")
      .bearerTokenAuthentication(token).sendJsonObject(small), WAIT);
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    eventually(() -> reserved() == MIB, WAIT);
  }
}
