package io.daytona.webhooks.svix;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * One real service and (optionally) one Svix stand-in for a test class: the stand-in and the HTTP client run
 * on their own Vert.x, like an outside Svix and an outside caller; the test thread blocks on their futures.
 */
final class SvixTestKit {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final String BASE = "/api/webhooks";

  final Vertx outside;
  final SvixStandIn standIn;
  final WebhookService service;
  final WebClient client;

  private SvixTestKit(Vertx outside, SvixStandIn standIn, WebhookService service) {
    this.outside = outside;
    this.standIn = standIn;
    this.service = service;
    this.client = WebClient.create(outside, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(service.port()));
  }

  /** A service talking to a fresh stand-in, with the given extra configuration. */
  static SvixTestKit withStandIn(Map<String, ?> overrides) {
    Vertx outside = Vertx.vertx();
    SvixStandIn standIn = await(new SvixStandIn(outside).start());
    Map<String, Object> config = new HashMap<>(overrides);
    config.put("SVIX_AUTH_TOKEN", standIn.token());
    config.put("SVIX_SERVER_URL", standIn.serverUrl());
    return new SvixTestKit(outside, standIn, await(TestService.start(config)));
  }

  /** A service with Svix not configured. */
  static SvixTestKit withoutSvix() {
    Vertx outside = Vertx.vertx();
    return new SvixTestKit(outside, null, await(TestService.start(Map.of())));
  }

  void close() {
    try {
      await(service.stop());
    } finally {
      if (standIn != null) {
        await(standIn.stop());
      }
      await(outside.close());
    }
  }

  static <T> T await(Future<T> future) {
    return SvixStandIn.block(future, Duration.ofSeconds(60));
  }

  static String newOrg() {
    return "org-" + UUID.randomUUID();
  }

  String token(String org) {
    return TestTokens.user(outside, "user-" + org, org);
  }

  HttpResponse<Buffer> http(HttpMethod method, String path, String org, JsonObject body) {
    HttpRequest<Buffer> req = client.request(method, BASE + path).bearerTokenAuthentication(token(org));
    return await(body == null ? req.send() : req.sendJsonObject(body));
  }

  HttpResponse<Buffer> createEndpoint(String org, JsonObject body) {
    return http(HttpMethod.POST, "/organizations/" + org + "/endpoints", org, body);
  }

  HttpResponse<Buffer> listEndpoints(String org, String query) {
    return http(HttpMethod.GET, "/organizations/" + org + "/endpoints" + (query == null ? "" : "?" + query), org, null);
  }

  HttpResponse<Buffer> deleteEndpoint(String org, String endpointId) {
    return http(HttpMethod.DELETE, "/organizations/" + org + "/endpoints/" + endpointId, org, null);
  }

  JsonObject status() {
    return await(statusAsync());
  }

  Future<JsonObject> statusAsync() {
    return client.get(BASE + "/status").bearerTokenAuthentication(TestTokens.admin(outside)).send().map(r -> {
      if (r.statusCode() != 200) {
        throw new AssertionError("/status answered " + r.statusCode() + ": " + r.bodyAsString());
      }
      return r.bodyAsJsonObject();
    });
  }

  /** Waits until {@code /status} says Svix is (or is not) reachable; answers that status. */
  JsonObject untilSvixReachable(boolean reachable) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    return await(pollStatus(reachable, deadline));
  }

  private Future<JsonObject> pollStatus(boolean reachable, long deadline) {
    return statusAsync().compose(s -> {
      if (s.getJsonObject("svix").getBoolean("reachable") == reachable) {
        return Future.succeededFuture(s);
      }
      if (System.nanoTime() > deadline) {
        return Future.failedFuture(new AssertionError("svix.reachable never became " + reachable + ": " + s));
      }
      return outside.timer(50).compose(v -> pollStatus(reachable, deadline));
    });
  }

  /** The service's delivery provider (typed, in-process). */
  DeliveryProvider provider() {
    return service.context().provider();
  }

  /** The provider failure {@code call} failed with (an AssertionError when it succeeded). */
  static ProviderFailure failure(Future<?> call) {
    Object outcome = await(call.<Object>map(r -> r).recover(err -> Future.succeededFuture(err)));
    if (!(outcome instanceof ProviderFailure f)) {
      throw new AssertionError("expected a ProviderFailure, got " + outcome);
    }
    return f;
  }

  /** Collects the real-time messages published on {@code webhooks.org.<org>} on the service's own bus. */
  List<JsonObject> listen(String org) {
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = service.vertx().eventBus().consumer(Addresses.org(org),
      m -> received.add(m.body()));
    await(consumer.completion());
    return received;
  }

  /** Waits, without sleeping the event loop, until the condition holds. */
  void until(BooleanSupplier condition) {
    until(condition, WAIT);
  }

  /** The condition is checked on the test thread (it may block on this kit's client), every 20 ms. */
  void until(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      await(outside.timer(20));
    }
  }

}
