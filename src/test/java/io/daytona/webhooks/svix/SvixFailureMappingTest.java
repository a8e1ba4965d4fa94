package io.daytona.webhooks.svix;

import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.provider.svix.SvixProvider;
import java.util.List;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Map;

import static io.daytona.webhooks.svix.SvixEndpointsTest.assertProblem;
import static io.daytona.webhooks.svix.SvixTestKit.await;
import static io.daytona.webhooks.svix.SvixTestKit.newOrg;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every way Svix can fail, seen from REST: the mapped status, the problem+json body, and that the service
 * answers normally again as soon as the stand-in heals (no restart). The deadline is 500 ms.
 */
class SvixFailureMappingTest {

  private static SvixTestKit kit;
  private static String org;

  @BeforeAll
  static void start() {
    kit = SvixTestKit.withStandIn(Map.of("SVIX_TIMEOUT_MS", "500", "SVIX_HEALTH_INTERVAL_MS", "200"));
    org = newOrg();
    HttpResponse<Buffer> r = kit.createEndpoint(org, new JsonObject().put("url", "https://example.test/base"));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    try {
      assertThat(SvixProvider.eventLoopCalls()).as("SDK calls made on an event-loop thread").isZero();
    } finally {
      kit.close();
    }
  }

  @BeforeEach
  void heal() {
    await(kit.standIn.heal());
  }

  /** After each fault is gone, the same call succeeds again. */
  private static void assertRecovered() {
    await(kit.standIn.heal());
    HttpResponse<Buffer> r = kit.listEndpoints(org, "limit=5");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getJsonArray("data")).isNotEmpty();
  }

  @Test
  void svix404IsA404() {
    String id = kit.createEndpoint(org, new JsonObject().put("url", "https://example.test/404"))
      .bodyAsJsonObject().getString("id");
    kit.standIn.failNext(1, 404, "/endpoint/");
    assertProblem(kit.deleteEndpoint(org, id), 404);
    assertThat(kit.standIn.endpoints(org)).anyMatch(e -> e.id().equals(id));
    assertThat(kit.deleteEndpoint(org, id).statusCode()).isEqualTo(204);
  }

  @Test
  void svix409IsA409() {
    kit.standIn.failNext(1, 409, "/endpoint");
    assertProblem(kit.createEndpoint(org, new JsonObject().put("url", "https://example.test/409")), 409);
    assertRecovered();
  }

  @Test
  void svix422IsA400WithSvixDetail() {
    kit.standIn.failNext(1, 422, "/endpoint");
    HttpResponse<Buffer> r = kit.createEndpoint(org, new JsonObject().put("url", "https://example.test/422"));
    assertProblem(r, 400);
    assertThat(r.bodyAsJsonObject().getString("detail")).contains("Injected fault (stand-in)");

    // a real validation error of Svix (uid pattern), through the internal address
    ProviderFailure e = SvixTestKit.failure(kit.provider().createEndpoint(org, null,
      new EndpointSpec("not a valid uid!", "https://example.test/bad-uid", "", List.of(), false, null)));
    assertThat(e.kind()).isEqualTo(ProviderFailure.Kind.INPUT_REJECTED);
    assertThat(e.upstreamStatus()).isEqualTo(422);
    assertThat(e.detail()).contains("uid");
  }

  /** A URL the contract's pattern admits but that cannot be parsed is the caller's input: 400 /url, never 502. */
  @Test
  void anUnparseableUrlIsA400OnUrlAndLeavesStatusAlone() {
    JsonObject before = kit.untilSvixReachable(true);
    int requests = kit.standIn.requests().size();
    HttpResponse<Buffer> r = kit.createEndpoint(org, new JsonObject().put("url", "http://[::1"));
    assertProblem(r, 400);
    assertThat(r.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("pointer")).isEqualTo("/url");
    assertThat(kit.status().getJsonObject("svix")).isEqualTo(before.getJsonObject("svix"));
    assertThat(kit.standIn.requests().stream().skip(requests).filter(q -> q.path().contains("/endpoint")))
      .as("nothing sent to Svix").isEmpty();
  }

  /** Svix refusing to create the organization's application is not the caller's input: 502 with Svix's detail. */
  @Test
  void svixRefusingTheApplicationIsA502WithItsDetail() {
    String fresh = newOrg();
    kit.standIn.failNext(1, 403, "/api/v1/app$");
    HttpResponse<Buffer> r = kit.createEndpoint(fresh, new JsonObject().put("url", "https://example.test/refused-app"));
    assertProblem(r, 502);
    assertThat(r.bodyAsJsonObject().getString("detail")).contains("403").contains("Injected fault (stand-in)");
    assertThat(kit.standIn.app(fresh)).isEmpty();
    assertThat(kit.status().getJsonObject("svix").getBoolean("reachable")).as("a refusal is no outage").isTrue();
  }

  @Test
  void svix429IsA503WithRetryAfter() {
    kit.standIn.rateLimitNext(1, 7, "/endpoint");
    HttpResponse<Buffer> r = kit.listEndpoints(org, "limit=5");
    assertProblem(r, 503);
    assertThat(r.getHeader("Retry-After")).isEqualTo("7");
    assertRecovered();
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 502, 503})
  void svix5xxIsA502WithoutHiddenRetries(int status) {
    int before = kit.standIn.requestCountStartingWith("GET", "/api/v1/app/" + org + "/endpoint");
    kit.standIn.failNext(1, status, "/endpoint");
    HttpResponse<Buffer> r = kit.listEndpoints(org, "limit=5");
    assertProblem(r, 502);
    assertThat(r.bodyAsJsonObject().getString("detail")).contains(String.valueOf(status));
    assertThat(kit.standIn.requestCountStartingWith("GET", "/api/v1/app/" + org + "/endpoint"))
      .as("one request: the SDK's own retries are off").isEqualTo(before + 1);
    assertRecovered();
  }

  @Test
  void refusedConnectionIsA502AndStatusSaysUnreachableUntilItHeals() {
    await(kit.standIn.refuseConnections());
    assertProblem(kit.listEndpoints(org, "limit=5"), 502);
    assertProblem(kit.createEndpoint(org, new JsonObject().put("url", "https://example.test/refused")), 502);
    JsonObject down = kit.status();
    assertThat(down.getJsonObject("svix")).isEqualTo(new JsonObject().put("configured", true).put("reachable", false));

    await(kit.standIn.acceptConnections());
    JsonObject up = kit.untilSvixReachable(true);
    assertThat(up.getJsonObject("svix").getBoolean("configured")).isTrue();
    assertRecovered();
  }

  /**
   * Svix (or a proxy in front of it) closing keep-alive connections is routine: a restart, an idle
   * timeout. The calls that follow go out on new connections; none fails for having been given a
   * connection the server had already closed.
   */
  @Test
  void callsAfterSvixClosedItsConnectionsSucceed() {
    for (int i = 0; i < 5; i++) {
      assertThat(kit.listEndpoints(org, "limit=5").statusCode()).isEqualTo(200);
    }
    // closing the server closes every connection it had accepted; the SDK's pool still holds its side of them
    await(kit.standIn.refuseConnections());
    await(kit.standIn.acceptConnections());
    for (int i = 0; i < 5; i++) {
      HttpResponse<Buffer> r = kit.listEndpoints(org, "limit=5");
      assertThat(r.statusCode()).as("call %d after the restart: %s", i + 1, r.bodyAsString()).isEqualTo(200);
    }
    HttpResponse<Buffer> created = kit.createEndpoint(org, new JsonObject().put("url", "https://example.test/after-restart"));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
  }

  @Test
  void noAnswerWithinTheDeadlineIsA504() {
    kit.standIn.delayNext(1, Duration.ofMillis(2_500), "/endpoint");
    long started = System.nanoTime();
    HttpResponse<Buffer> r = kit.listEndpoints(org, "limit=5");
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertProblem(r, 504);
    assertThat(tookMs).as("answered at the deadline, not when Svix finally answered").isLessThan(2_000);
    assertRecovered();
  }

  @Test
  void slowSvixMakesStatusUnreachableAndRecovers() {
    kit.standIn.delayAll(Duration.ofMillis(2_000));
    assertThat(kit.status().getJsonObject("svix").getBoolean("reachable")).isFalse();
    await(kit.standIn.heal());
    kit.untilSvixReachable(true);
  }
}
