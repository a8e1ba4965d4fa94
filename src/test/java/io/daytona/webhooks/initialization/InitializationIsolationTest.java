package io.daytona.webhooks.initialization;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Initializing one organization, however slow the provider is, never delays accepting the events of others: with
 * every Svix call taking 5 s, 500 platform events of other organizations (and some of the initializing one,
 * mixed into the same group commits) are acknowledged within 200 ms at the 99th percentile.
 */
class InitializationIsolationTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private Vertx outside;
  private SvixStandIn svix;
  private WebhookService service;

  @AfterEach
  void stop() {
    if (service != null) {
      SvixStandIn.block(service.stop(), WAIT);
    }
    if (svix != null) {
      SvixStandIn.block(svix.heal().compose(v -> svix.stop()), WAIT);
    }
    SvixStandIn.block(outside.close(), WAIT);
  }

  @Test
  void aSlowInitializationDoesNotDelayOtherOrganizationsEvents() {
    outside = Vertx.vertx();
    svix = SvixStandIn.block(new SvixStandIn(outside).deliveryEnabled(false).start(), WAIT);
    service = SvixStandIn.block(TestService.start(Map.of("SVIX_AUTH_TOKEN", svix.token(),
      "SVIX_SERVER_URL", svix.serverUrl(), "SVIX_TIMEOUT_MS", "20000")), WAIT);
    svix.delayAll(Duration.ofSeconds(5));

    String slow = "org-slow";
    WebClient client = WebClient.create(outside);
    Future<HttpResponse<Buffer>> initializing = client.post(service.port(), "127.0.0.1",
        "/api/webhooks/organizations/" + slow + "/initialize")
      .bearerTokenAuthentication(TestTokens.admin(outside)).send();
    // the run has taken its lease and is waiting on Svix
    SvixStandIn.block(svix.await(() -> svix.requests().stream().anyMatch(r -> r.path().equals("/api/v1/app")),
      Duration.ofSeconds(10)), WAIT);

    List<Long> latenciesMicros = new ArrayList<>();
    List<Future<?>> acks = new ArrayList<>();
    for (int i = 0; i < 550; i++) {
      String org = i % 11 == 0 ? slow : "org-fast-" + (i % 25);
      JsonObject event = new JsonObject().put("id", "sb-" + i).put("organizationId", org).put("state", "STARTED")
        .put("eventId", "iso-" + i);
      long sent = System.nanoTime();
      boolean other = !org.equals(slow);
      acks.add(service.vertx().eventBus().request("sandbox.created", event, new DeliveryOptions().setSendTimeout(30_000))
        .onSuccess(m -> {
          if (other) {
            synchronized (latenciesMicros) {
              latenciesMicros.add((System.nanoTime() - sent) / 1_000);
            }
          }
        }));
      if (i % 50 == 49) {
        SvixStandIn.block(Future.all(acks), WAIT);
      }
    }
    SvixStandIn.block(Future.all(acks), WAIT);
    assertThat(latenciesMicros).hasSize(500);
    List<Long> sorted = latenciesMicros.stream().sorted().toList();
    long p99 = sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
    System.out.println("acknowledgements of other organizations during a slow initialization: p50 "
      + sorted.get(sorted.size() / 2) / 1000.0 + " ms, p99 " + p99 / 1000.0 + " ms");
    assertThat(p99).as("p99 of acknowledgements (µs)").isLessThanOrEqualTo(200_000);
    assertThat(initializing.isComplete()).as("the initialization is still waiting on Svix").isFalse();
  }
}
