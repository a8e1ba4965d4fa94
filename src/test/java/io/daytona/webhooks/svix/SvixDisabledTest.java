package io.daytona.webhooks.svix;

import io.daytona.webhooks.provider.AttemptQuery;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.EndpointPatch;
import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.provider.EventType;
import io.daytona.webhooks.provider.MessageQuery;
import io.daytona.webhooks.provider.NewMessage;
import io.daytona.webhooks.provider.PageRequest;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.provider.ProviderHealth;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
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
import static io.daytona.webhooks.svix.SvixTestKit.await;
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
    assertThat(await(kit.provider().health())).isEqualTo(new ProviderHealth(false, false));
  }

  @Test
  void everyProviderCallFailsNotConfigured() {
    String org = newOrg();
    DeliveryProvider p = kit.provider();
    EndpointSpec spec = EndpointSpec.of("https://example.test/y", "", List.of("custom.disabled"));
    PageRequest page = PageRequest.first(10);
    List<Future<?>> calls = List.of(p.ensureApplication(org, "n"),
      p.registerEventTypes(List.of(EventType.custom("custom.disabled"))), p.createEndpoint(org, null, spec),
      p.getEndpoint(org, "ep_x"), p.updateEndpoint(org, "ep_x", spec), p.listEndpoints(org, page),
      p.patchEndpoint(org, "ep_x", EndpointPatch.disabled(true)), p.deleteEndpoint(org, "ep_x"),
      p.endpointSecret(org, "ep_x"), p.rotateEndpointSecret(org, "ep_x", null),
      p.sendExample(org, "ep_x", EventType.custom("custom.disabled")), p.recover(org, "ep_x", Instant.EPOCH, null),
      p.createMessage(org, null, new NewMessage("custom.disabled", "evt-1", "{}", null)),
      p.listMessages(org, new MessageQuery(page, null, null, null)), p.getMessage(org, "msg_x"),
      p.listAttemptsByMessage(org, "msg_x", new AttemptQuery(page, null)),
      p.listAttemptsByEndpoint(org, "ep_x", new AttemptQuery(page, null)), p.resend(org, "msg_x", "ep_x"),
      p.portalLink(org));
    for (Future<?> call : calls) {
      ProviderFailure f = SvixTestKit.failure(call);
      assertThat(f.kind()).isEqualTo(ProviderFailure.Kind.NOT_CONFIGURED);
      assertThat(f.detail()).contains("SVIX_AUTH_TOKEN");
    }
  }
}
