package io.daytona.webhooks.svix;

import io.daytona.webhooks.bus.ApiError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.daytona.webhooks.svix.SvixEndpointsTest.assertProblem;
import static io.daytona.webhooks.svix.SvixTestKit.newOrg;
import static org.assertj.core.api.Assertions.assertThat;

/** Svix not configured: the service runs, every Svix operation answers 503 saying to set SVIX_AUTH_TOKEN. */
class SvixDisabledTest {

  private static SvixTestKit kit;

  @BeforeAll
  static void start() {
    kit = SvixTestKit.withoutSvix();
  }

  @AfterAll
  static void stop() {
    kit.close();
  }

  private static void assertNotConfigured(HttpResponse<Buffer> r) {
    assertProblem(r, 503);
    assertThat(r.bodyAsJsonObject().getString("detail")).contains("SVIX_AUTH_TOKEN");
  }

  @Test
  void restEndpointOperationsAnswer503() {
    String org = newOrg();
    assertNotConfigured(kit.createEndpoint(org, new JsonObject().put("url", "https://example.test/x")));
    assertNotConfigured(kit.listEndpoints(org, "limit=10"));
    assertNotConfigured(kit.deleteEndpoint(org, "ep_whatever"));
  }

  @Test
  void statusSaysNotConfiguredNorReachable() {
    JsonObject status = kit.status();
    assertThat(status.getBoolean("enabled")).isFalse();
    assertThat(status.getJsonObject("svix")).isEqualTo(new JsonObject().put("configured", false)
      .put("reachable", false));
  }

  @Test
  void healthAnswersNotConfigured() {
    assertThat(kit.svix("health", new JsonObject()))
      .isEqualTo(new JsonObject().put("configured", false).put("reachable", false));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ensureApplication", "upsertEventTypes", "createEndpoint", "getEndpoint",
    "updateEndpoint", "listEndpoints", "deleteEndpoint", "createMessage"})
  void everyInternalAddressAnswers503(String action) {
    String org = newOrg();
    JsonObject body = new JsonObject().put("organizationId", org).put("name", "n").put("url", "https://example.test/y")
      .put("endpointId", "ep_x").put("limit", 10).put("eventType", "custom.disabled").put("eventId", "evt-1")
      .put("payload", "{}").put("eventTypes", new JsonArray().add("custom.disabled"));
    Object reply = kit.svix(action, body);
    assertThat(reply).as(String.valueOf(reply)).isInstanceOf(ApiError.class);
    assertThat(((ApiError) reply).status()).isEqualTo(503);
    assertThat(((ApiError) reply).detail()).contains("SVIX_AUTH_TOKEN");
  }
}
