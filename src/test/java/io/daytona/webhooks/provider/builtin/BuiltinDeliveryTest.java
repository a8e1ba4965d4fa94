package io.daytona.webhooks.provider.builtin;

import com.svix.Webhook;
import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.provider.Attempt;
import io.daytona.webhooks.provider.AttemptQuery;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.Endpoint;
import io.daytona.webhooks.provider.Message;
import io.daytona.webhooks.provider.PageRequest;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built-in delivery end to end: endpoints and events through the real REST API, webhooks to real HTTP
 * receivers, every delivered request's signature checked with the Svix SDK's verifier. A short retry schedule
 * ({@code 100ms,2s}) stands for Svix's hours-long one.
 */
class BuiltinDeliveryTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String BASE = "/api/webhooks";

  private static Vertx outside;
  private static Receiver receiver;
  private static WebhookService service;
  private static WebClient client;

  @BeforeAll
  static void start() {
    outside = Vertx.vertx();
    receiver = await(new Receiver(outside).start());
    service = await(TestService.start(Map.of(
      "DELIVERY_PROVIDER", "builtin",
      "DELIVERY_ALLOWED_NETWORKS", "127.0.0.0/8",
      "DELIVERY_RETRY_SCHEDULE", "100ms,2s",
      "DELIVERY_TIMEOUT_MS", "1000",
      "OUTBOX_POLL_INTERVAL_MS", "100")));
    client = WebClient.create(outside, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(service.port()));
  }

  @AfterAll
  static void stop() {
    try {
      await(service.stop());
    } finally {
      await(receiver.stop());
      await(outside.close());
    }
  }

  // ---------------------------------------------------------------- outcomes

  @Test
  void aTwoHundredIsOneSignedDeliveryVerifiedWithTheSdkUnderBothHeaderNames() throws Exception {
    String org = newOrg();
    List<JsonObject> live = listen(org);
    String path = "/ok/" + org;
    Endpoint endpoint = createEndpoint(org, path);

    JsonObject payload = new JsonObject().put("hello", "world").put("n", 1);
    String eventId = send(org, "custom.hello", payload);

    until(() -> receiver.at(path).size() == 1);
    Receiver.Received got = receiver.at(path).get(0);
    assertThat(new JsonObject(got.body())).isEqualTo(payload);
    assertThat(got.headers().get("content-type")).isEqualTo("application/json");
    String secret = await(provider().endpointSecret(org, endpoint.id()));
    assertThat(secret).startsWith("whsec_");
    Webhook verifier = new Webhook(secret);
    verifier.verify(got.body(), headers(got.headers(), "webhook-"));
    verifier.verify(got.body(), headers(got.headers(), "svix-"));
    assertThat(got.headers().get("webhook-id")).startsWith("msg_").isEqualTo(got.headers().get("svix-id"));
    assertThat(got.headers().get("webhook-signature")).startsWith("v1,");

    Message message = await(provider().getMessage(org, eventId));
    assertThat(message.id()).isEqualTo(got.headers().get("webhook-id"));
    List<Attempt> attempts = untilAttempts(org, message.id(), 1);
    assertThat(attempts.get(0).status()).isEqualTo(Attempt.Status.SUCCESS);
    assertThat(attempts.get(0).responseStatusCode()).isEqualTo(200);
    assertThat(attempts.get(0).response()).isEqualTo("ok");
    assertThat(attempts.get(0).trigger()).isEqualTo(Attempt.Trigger.SCHEDULED);
    until(() -> live.stream().anyMatch(m -> "webhook.delivered".equals(m.getString("type"))));
    JsonObject delivered = live.stream().filter(m -> "webhook.delivered".equals(m.getString("type"))).findFirst()
      .orElseThrow().getJsonObject("data");
    assertThat(delivered.getString("messageId")).isEqualTo(message.id());
    assertThat(delivered.getString("eventId")).isEqualTo(eventId);
    assertThat(delivered.getString("endpointId")).isEqualTo(endpoint.id());
    assertThat(delivered.getInteger("responseStatusCode")).isEqualTo(200);
    assertThat(delivered.getInteger("attempt")).isEqualTo(1);

    String metrics = await(client.get("/metrics").send()).bodyAsString();
    assertThat(metrics).containsPattern("webhooks_builtin_attempts_total\\{[^}]*outcome=\"success\"[^}]*} [1-9]");
  }

  @Test
  void aFiveHundredIsRetriedWithTheSameWebhookIdThenSucceeds() {
    String org = newOrg();
    String path = "/flaky/" + org;
    receiver.thenStatus(path, 500);
    createEndpoint(org, path);
    String eventId = send(org, "custom.flaky", new JsonObject().put("a", 1));

    until(() -> receiver.at(path).size() == 2);
    List<Receiver.Received> got = receiver.at(path);
    assertThat(got.get(1).headers().get("webhook-id")).isEqualTo(got.get(0).headers().get("webhook-id"));
    Message message = await(provider().getMessage(org, eventId));
    List<Attempt> attempts = untilAttempts(org, message.id(), 2);
    // newest first
    assertThat(attempts).extracting(Attempt::status).containsExactly(Attempt.Status.SUCCESS, Attempt.Status.FAILED);
    assertThat(attempts.get(1).responseStatusCode()).isEqualTo(500);
    assertThat(attempts.get(1).response()).isEqualTo("status 500");
  }

  @Test
  void anEndpointSlowerThanTheTimeoutIsAFailedAttemptThenRetried() {
    String org = newOrg();
    String path = "/slow/" + org;
    receiver.then(path, req -> outside.setTimer(3000, t -> req.response().end("late")));
    createEndpoint(org, path);
    String eventId = send(org, "custom.slow", new JsonObject());

    Message message = untilMessage(org, eventId);
    List<Attempt> attempts = untilAttempts(org, message.id(), 2);
    Attempt first = attempts.get(1);
    assertThat(first.status()).isEqualTo(Attempt.Status.FAILED);
    assertThat(first.responseStatusCode()).isZero();
    assertThat(first.response()).contains("timed out after 1000 ms");
    assertThat(first.durationMs()).isBetween(900L, 2500L);
    assertThat(attempts.get(0).status()).isEqualTo(Attempt.Status.SUCCESS);
  }

  @Test
  void aTooManyRequestsWaitsAtLeastItsRetryAfter() {
    String org = newOrg();
    String path = "/limited/" + org;
    receiver.then(path, req -> req.response().setStatusCode(429).putHeader("retry-after", "1").end());
    createEndpoint(org, path);
    send(org, "custom.limited", new JsonObject());

    until(() -> receiver.at(path).size() == 2);
    List<Receiver.Received> got = receiver.at(path);
    long gapMs = (got.get(1).atNanos() - got.get(0).atNanos()) / 1_000_000;
    // the schedule's first wait is 100 ms (±20 %); Retry-After asks for 1 s
    assertThat(gapMs).isGreaterThanOrEqualTo(950);
  }

  @Test
  void aGoneDisablesTheEndpointAtOnceAndAnnouncesIt() {
    String org = newOrg();
    List<JsonObject> live = listen(org);
    String path = "/gone/" + org;
    receiver.thenStatus(path, 410);
    Endpoint endpoint = createEndpoint(org, path);
    send(org, "custom.gone", new JsonObject());

    until(() -> live.stream().anyMatch(m -> "endpoint.updated".equals(m.getString("type"))
      && m.getJsonObject("data").getBoolean("disabled", false)));
    JsonObject data = live.stream().filter(m -> "endpoint.updated".equals(m.getString("type"))).findFirst()
      .orElseThrow().getJsonObject("data");
    assertThat(data.getString("id")).isEqualTo(endpoint.id());
    assertThat(data.getString("reason")).contains("410");
    assertThat(await(provider().getEndpoint(org, endpoint.id())).disabled()).isTrue();

    // a disabled endpoint gets nothing more
    send(org, "custom.gone", new JsonObject().put("after", true));
    String other = send(org, "custom.probe", new JsonObject());
    untilMessage(org, other);
    assertThat(receiver.at(path)).hasSize(1);
  }

  @Test
  void aRedirectIsAFailureAndIsNotFollowed() {
    String org = newOrg();
    String path = "/redirect/" + org;
    String target = "/redirect-target/" + org;
    receiver.then(path, req -> req.response().setStatusCode(302).putHeader("location", receiver.url(target)).end());
    createEndpoint(org, path);
    String eventId = send(org, "custom.redirect", new JsonObject());

    Message message = untilMessage(org, eventId);
    List<Attempt> attempts = untilAttempts(org, message.id(), 2);
    assertThat(attempts.get(1).responseStatusCode()).isEqualTo(302);
    assertThat(attempts.get(1).status()).isEqualTo(Attempt.Status.FAILED);
    assertThat(attempts.get(1).response()).contains("redirect not followed");
    assertThat(receiver.at(target)).isEmpty();
  }

  @Test
  void aConnectionResetIsAFailedAttemptWithNoStatus() {
    String org = newOrg();
    String path = "/reset/" + org;
    receiver.then(path, req -> req.connection().close());
    createEndpoint(org, path);
    String eventId = send(org, "custom.reset", new JsonObject());

    Message message = untilMessage(org, eventId);
    List<Attempt> attempts = untilAttempts(org, message.id(), 2);
    assertThat(attempts.get(1).status()).isEqualTo(Attempt.Status.FAILED);
    assertThat(attempts.get(1).responseStatusCode()).isZero();
    assertThat(attempts.get(1).response()).isNotBlank();
    assertThat(attempts.get(0).status()).isEqualTo(Attempt.Status.SUCCESS);
  }

  @Test
  void everyAttemptFailingEndsFailedAfterTheSchedule() {
    String org = newOrg();
    String path = "/down/" + org;
    receiver.thenStatus(path, 503).thenStatus(path, 500).thenStatus(path, 500).thenStatus(path, 500);
    createEndpoint(org, path);
    String eventId = send(org, "custom.down", new JsonObject());

    Message message = untilMessage(org, eventId);
    // the first attempt and the schedule's two retries
    List<Attempt> attempts = untilAttempts(org, message.id(), 3);
    assertThat(attempts).extracting(Attempt::status).containsOnly(Attempt.Status.FAILED);
    until(() -> await(provider().listAttemptsByMessage(org, message.id(),
      new AttemptQuery(PageRequest.first(50), Attempt.Status.PENDING))).data().isEmpty());
    assertThat(receiver.at(path)).hasSize(3);
  }

  @Test
  void anEndpointFailingLongerThanTheDisableAfterHoursIsDisabledAndAnnounced() {
    String org = newOrg();
    List<JsonObject> live = listen(org);
    String path = "/failing/" + org;
    Endpoint endpoint = createEndpoint(org, path);
    // it has been failing for 121 hours (the default limit is 120)
    await(service.context().database().pool()
      .preparedQuery("UPDATE builtin_endpoints SET failing_since = now() - interval '121 hours' WHERE id = $1")
      .execute(io.vertx.sqlclient.Tuple.of(endpoint.id())));
    receiver.thenStatus(path, 500);
    send(org, "custom.failing", new JsonObject());

    until(() -> await(provider().getEndpoint(org, endpoint.id())).disabled());
    until(() -> live.stream().anyMatch(m -> "endpoint.updated".equals(m.getString("type"))));
    JsonObject data = live.stream().filter(m -> "endpoint.updated".equals(m.getString("type"))).findFirst()
      .orElseThrow().getJsonObject("data");
    assertThat(data.getBoolean("disabled")).isTrue();
    assertThat(data.getString("reason")).contains("DELIVERY_DISABLE_AFTER_HOURS");
  }

  @Test
  void aSuccessEndsTheRunOfFailuresSoTheEndpointStaysEnabled() {
    String org = newOrg();
    String path = "/recovering/" + org;
    Endpoint endpoint = createEndpoint(org, path);
    await(service.context().database().pool()
      .preparedQuery("UPDATE builtin_endpoints SET failing_since = now() - interval '121 hours' WHERE id = $1")
      .execute(io.vertx.sqlclient.Tuple.of(endpoint.id())));
    send(org, "custom.recovering", new JsonObject());
    until(() -> receiver.at(path).size() == 1);
    receiver.thenStatus(path, 500);
    String eventId = send(org, "custom.recovering", new JsonObject());
    List<Attempt> attempts = untilAttempts(org, untilMessage(org, eventId).id(), 1);
    assertThat(attempts.get(attempts.size() - 1).status()).isEqualTo(Attempt.Status.FAILED);
    assertThat(await(provider().getEndpoint(org, endpoint.id())).disabled()).isFalse();
  }

  @Test
  void resendMakesOneManualAttemptWithTheSameWebhookId() {
    String org = newOrg();
    String path = "/resend/" + org;
    Endpoint endpoint = createEndpoint(org, path);
    String eventId = send(org, "custom.resend", new JsonObject().put("r", 1));
    until(() -> receiver.at(path).size() == 1);
    Message message = await(provider().getMessage(org, eventId));

    await(provider().resend(org, message.id(), endpoint.id()));
    until(() -> receiver.at(path).size() == 2);
    assertThat(receiver.at(path).get(1).headers().get("webhook-id")).isEqualTo(message.id());
    List<Attempt> attempts = untilAttempts(org, message.id(), 2);
    assertThat(attempts.get(0).trigger()).isEqualTo(Attempt.Trigger.MANUAL);
    assertThat(attempts.get(1).trigger()).isEqualTo(Attempt.Trigger.SCHEDULED);
    // another organization's ids are not found
    assertThat(io.daytona.webhooks.provider.ProviderFailure.is(
      await(provider().resend(newOrg(), message.id(), endpoint.id()).map(v -> (Throwable) null).otherwise(e -> e)),
      io.daytona.webhooks.provider.ProviderFailure.Kind.NOT_FOUND)).isTrue();
  }

  @Test
  void recoverAttemptsAgainOnlyTheDeliveriesThatFailedInItsWindow() {
    String org = newOrg();
    String path = "/recover/" + org;
    Endpoint endpoint = createEndpoint(org, path);
    for (int i = 0; i < 6; i++) {
      receiver.thenStatus(path, 500);
    }
    String a = send(org, "custom.recover", new JsonObject().put("m", "a"));
    String b = send(org, "custom.recover", new JsonObject().put("m", "b"));
    // both end failed after the first attempt and the two retries
    until(() -> receiver.at(path).size() == 6);
    untilAttempts(org, untilMessage(org, a).id(), 3);
    untilAttempts(org, untilMessage(org, b).id(), 3);
    until(() -> await(provider().listAttemptsByEndpoint(org, endpoint.id(),
      new AttemptQuery(PageRequest.first(50), Attempt.Status.PENDING))).data().isEmpty()
      && await(provider().listAttemptsByEndpoint(org, endpoint.id(),
      new AttemptQuery(PageRequest.first(50), Attempt.Status.SENDING))).data().isEmpty());

    java.time.Instant now = java.time.Instant.now();
    // a window that ended before they failed: nothing
    await(provider().recover(org, endpoint.id(), now.minusSeconds(3600), now.minusSeconds(1800)));
    String marker = send(org, "custom.recover-marker", new JsonObject());
    until(() -> receiver.at(path).size() == 7);
    untilAttempts(org, untilMessage(org, marker).id(), 1);
    assertThat(receiver.at(path)).hasSize(7);

    await(provider().recover(org, endpoint.id(), now.minusSeconds(600), null));
    until(() -> receiver.at(path).size() == 9);
    assertThat(receiver.at(path).subList(7, 9)).extracting(r -> new JsonObject(r.body()).getString("m"))
      .containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void aTestEventGoesToThatEndpointOnlyWithTheTypesExample() {
    String org = newOrg();
    String path = "/example/" + org;
    String other = "/example-other/" + org;
    Endpoint endpoint = createEndpoint(org, path);
    createEndpoint(org, other);
    JsonObject example = new JsonObject().put("id", "sb-1").put("organizationId", org).put("state", "started");
    Message made = await(provider().sendExample(org, endpoint.id(),
      new io.daytona.webhooks.provider.EventType("sandbox.created", "a sandbox", null, example)));
    until(() -> receiver.at(path).size() == 1);
    assertThat(new JsonObject(receiver.at(path).get(0).body())).isEqualTo(example);
    assertThat(receiver.at(path).get(0).headers().get("webhook-id")).isEqualTo(made.id());
    String marker = send(org, "custom.example-marker", new JsonObject());
    until(() -> receiver.at(other).size() == 1);
    assertThat(new JsonObject(receiver.at(other).get(0).body()).containsKey("state")).isFalse();
    assertThat(marker).isNotBlank();
  }

  /**
   * Ten messages at once to an endpoint that answers after 200 ms: at most DELIVERY_ENDPOINT_CONCURRENCY (4) of
   * its requests are open at once, whether their deliveries were claimed as their messages were stored or later
   * by a claim, and another organization's endpoint is served meanwhile.
   */
  @Test
  void aSlowEndpointHasAtMostItsConcurrencyInFlightAndOthersAreServedMeanwhile() {
    String slowOrg = newOrg();
    String slow = "/slow-share/" + slowOrg;
    String quickOrg = newOrg();
    String quick = "/quick-share/" + quickOrg;
    java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger mostOpen = new java.util.concurrent.atomic.AtomicInteger();
    for (int i = 0; i < 10; i++) {
      receiver.then(slow, req -> {
        mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        outside.setTimer(200, t -> {
          open.decrementAndGet();
          req.response().setStatusCode(200).end("ok");
        });
      });
    }
    createEndpoint(slowOrg, slow);
    createEndpoint(quickOrg, quick);

    for (int i = 0; i < 10; i++) {
      send(slowOrg, "custom.slow", new JsonObject().put("i", i));
    }
    for (int i = 0; i < 3; i++) {
      send(quickOrg, "custom.quick", new JsonObject().put("i", i));
    }

    until(() -> receiver.at(slow).size() == 10 && receiver.at(quick).size() == 3);
    assertThat(mostOpen.get()).as("requests open at once to the slow endpoint").isEqualTo(4);
    assertThat(receiver.at(slow)).extracting(r -> r.headers().get("webhook-id")).doesNotHaveDuplicates();
    long lastSlow = receiver.at(slow).stream().mapToLong(Receiver.Received::atNanos).max().orElseThrow();
    assertThat(receiver.at(quick)).allSatisfy(r -> assertThat(r.atNanos()).isLessThan(lastSlow));
  }

  /**
   * An endpoint at its limit does not make every store claim: the deliveries to it wait for one of its slots (an
   * attempt to it ending here), and the others' go out from the stores that claim them. A service of its own,
   * polling once a minute, so that only these claims are counted, and so that its deliveries drain by the ends of
   * its attempts alone.
   */
  @Test
  void anEndpointAtItsLimitDoesNotMakeEveryStoreClaimAndDrainsAsItsAttemptsEnd() {
    WebhookService quiet = await(TestService.start(Map.of(
      "DELIVERY_PROVIDER", "builtin",
      "DELIVERY_ALLOWED_NETWORKS", "127.0.0.0/8",
      "DELIVERY_TIMEOUT_MS", "30000",
      "OUTBOX_POLL_INTERVAL_MS", "60000")));
    WebClient to = WebClient.create(outside, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(quiet.port()));
    io.vertx.core.Promise<Void> release = io.vertx.core.Promise.promise();
    try {
      String heldOrg = newOrg();
      String held = "/held/" + heldOrg;
      String quickOrg = newOrg();
      String quick = "/unheld/" + quickOrg;
      for (int i = 0; i < 24; i++) {
        receiver.then(held, req -> release.future().onComplete(v -> req.response().setStatusCode(200).end("ok")));
      }
      createEndpoint(to, heldOrg, held);
      createEndpoint(to, quickOrg, quick);
      for (int i = 0; i < 4; i++) {
        send(to, heldOrg, "custom.held", new JsonObject().put("i", i));
      }
      until(() -> receiver.at(held).size() == 4);

      double before = claims(to);
      for (int i = 0; i < 20; i++) {
        send(to, heldOrg, "custom.held", new JsonObject().put("i", 4 + i));
        send(to, quickOrg, "custom.quick", new JsonObject().put("i", i));
      }
      until(() -> receiver.at(quick).size() == 20);
      assertThat(receiver.at(held)).as("requests to the endpoint holding its 4").hasSize(4);
      assertThat(claims(to) - before).as("claims while 20 stores left a delivery pending for the endpoint at its limit")
        .isLessThan(5);

      release.complete();
      until(() -> receiver.at(held).size() == 24);
      assertThat(receiver.at(held)).extracting(r -> r.headers().get("webhook-id")).doesNotHaveDuplicates();
    } finally {
      release.tryComplete();
      await(quiet.stop());
    }
  }

  private static double claims(WebClient to) {
    String metrics = await(to.get("/metrics").send()).bodyAsString();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^webhooks_builtin_claims_total(?:\\{[^}]*})? (\\S+)$")
      .matcher(metrics);
    assertThat(m.find()).as(metrics).isTrue();
    return Double.parseDouble(m.group(1));
  }

  // ---------------------------------------------------------------- fan-out, secrets

  @Test
  void aMessageGoesToEveryEnabledEndpointWhoseTypesMatch() {
    String org = newOrg();
    String all = "/fan-all/" + org;
    String sandbox = "/fan-sandbox/" + org;
    String other = "/fan-other/" + org;
    createEndpoint(org, all);
    createEndpoint(org, sandbox, "custom.sandbox");
    createEndpoint(org, other, "custom.other");

    send(org, "custom.sandbox", new JsonObject());
    until(() -> receiver.at(all).size() == 1 && receiver.at(sandbox).size() == 1);
    String probe = send(org, "custom.other", new JsonObject());
    until(() -> receiver.at(other).size() == 1 && receiver.at(all).size() == 2);
    assertThat(receiver.at(sandbox)).hasSize(1);
    assertThat(probe).isNotBlank();
  }

  @Test
  void afterARotationBothSecretsSignAndEachVerifies() throws Exception {
    String org = newOrg();
    String path = "/rotate/" + org;
    Endpoint endpoint = createEndpoint(org, path);
    String before = await(provider().endpointSecret(org, endpoint.id()));
    await(provider().rotateEndpointSecret(org, endpoint.id(), null));
    String after = await(provider().endpointSecret(org, endpoint.id()));
    assertThat(after).startsWith("whsec_").isNotEqualTo(before);

    send(org, "custom.rotated", new JsonObject().put("x", 1));
    until(() -> receiver.at(path).size() == 1);
    Receiver.Received got = receiver.at(path).get(0);
    assertThat(got.headers().get("webhook-signature").split(" ")).hasSize(2);
    new Webhook(after).verify(got.body(), headers(got.headers(), "webhook-"));
    new Webhook(before).verify(got.body(), headers(got.headers(), "svix-"));
  }

  // ---------------------------------------------------------------- network safety

  @Test
  void anEndpointNamingAnInternalAddressIsRefusedOnCreate() {
    String org = newOrg();
    for (String url : List.of("http://169.254.169.254/latest/meta-data", "http://10.0.0.1/hook", "http://[fd00::1]/x",
      "http://[::ffff:10.0.0.1]/x", "http://100.64.1.1/x")) {
      HttpResponse<Buffer> r = http(HttpMethod.POST, "/organizations/" + org + "/endpoints", org,
        new JsonObject().put("url", url));
      assertThat(r.statusCode()).as(url + ": " + r.bodyAsString()).isEqualTo(400);
      assertThat(r.getHeader("content-type")).startsWith("application/problem+json");
      assertThat(r.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("pointer")).isEqualTo("/url");
      assertThat(r.bodyAsString()).contains("address not allowed");
    }
  }

  @Test
  void aHostNameThatResolvesToARefusedAddressIsAFailedAttemptUnlessItsNetworkIsAllowed() {
    // this service lets no internal network through: localhost (127.0.0.1) is refused at each attempt
    WebhookService strict = await(TestService.start(Map.of("DELIVERY_PROVIDER", "builtin",
      "DELIVERY_RETRY_SCHEDULE", "100ms", "OUTBOX_POLL_INTERVAL_MS", "100")));
    try {
      String org = newOrg();
      String path = "/strict/" + org;
      Endpoint endpoint = await(strict.context().provider().createEndpoint(org, org,
        io.daytona.webhooks.provider.EndpointSpec.of("http://localhost:" + receiver.port() + path, "", List.of())));
      Message message = await(strict.context().provider().createMessage(org, org,
        new io.daytona.webhooks.provider.NewMessage("custom.strict", "ev-" + UUID.randomUUID(), "{}", null)));
      DeliveryProvider p = strict.context().provider();
      until(() -> await(p.listAttemptsByMessage(org, message.id(), new AttemptQuery(PageRequest.first(10), null)))
        .data().size() == 2);
      Attempt attempt = await(p.listAttemptsByEndpoint(org, endpoint.id(), new AttemptQuery(PageRequest.first(10), null)))
        .data().get(0);
      assertThat(attempt.status()).isEqualTo(Attempt.Status.FAILED);
      assertThat(attempt.response()).startsWith("address not allowed");
      assertThat(receiver.at(path)).isEmpty();
    } finally {
      await(strict.stop());
    }

    // the shared service allows 127.0.0.0/8: the same host name is delivered
    String org = newOrg();
    String path = "/allowed/" + org;
    HttpResponse<Buffer> r = http(HttpMethod.POST, "/organizations/" + org + "/endpoints", org,
      new JsonObject().put("url", "http://localhost:" + receiver.port() + path));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    send(org, "custom.allowed", new JsonObject());
    until(() -> receiver.at(path).size() == 1);
  }

  @Test
  void messagesCreatedAtOnceAreEachDeliveredOnceAndAnEventIdTwiceIsADuplicate() {
    String org = newOrg();
    String other = newOrg();
    String path = "/many/" + org;
    String otherPath = "/many/" + other;
    createEndpoint(org, path);
    createEndpoint(other, otherPath);
    // created together, so that they share statements: 40 distinct events, one eventId three times, and the
    // same eventId in another organization (another event)
    List<Future<Message>> created = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      created.add(provider().createMessage(org, org, new io.daytona.webhooks.provider.NewMessage("custom.many",
        "many-" + i, new JsonObject().put("i", i).encode(), null)));
    }
    List<Future<Message>> twice = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      twice.add(provider().createMessage(org, org, new io.daytona.webhooks.provider.NewMessage("custom.many",
        "twice", "{\"twice\":true}", null)));
    }
    Future<Message> elsewhere = provider().createMessage(other, other,
      new io.daytona.webhooks.provider.NewMessage("custom.many", "twice", "{\"elsewhere\":true}", null));
    await(Future.join(new ArrayList<Future<?>>(created)));
    await(Future.join(new ArrayList<Future<?>>(twice)).transform(all -> Future.succeededFuture()));
    assertThat(created).allSatisfy(f -> assertThat(f.succeeded()).as(String.valueOf(f.cause())).isTrue());
    assertThat(twice.stream().filter(Future::succeeded).count()).isEqualTo(1);
    assertThat(twice.stream().filter(Future::failed)).allSatisfy(f -> assertThat(((ProviderFailure) f.cause()).kind())
      .isEqualTo(ProviderFailure.Kind.DUPLICATE));
    assertThat(await(elsewhere).eventId()).isEqualTo("twice");

    until(() -> receiver.at(path).size() >= 41 && receiver.at(otherPath).size() >= 1);
    List<String> ids = receiver.at(path).stream().map(r -> r.headers().get("webhook-id")).toList();
    assertThat(ids).doesNotHaveDuplicates().hasSize(41);
    assertThat(receiver.at(path).stream().map(r -> new JsonObject(r.body())))
      .contains(new JsonObject().put("twice", true), new JsonObject().put("i", 0), new JsonObject().put("i", 39));
    assertThat(new JsonObject(receiver.at(otherPath).get(0).body())).isEqualTo(new JsonObject().put("elsewhere", true));
    // every success recorded: one attempt each, none left to retry
    for (Future<Message> f : created) {
      List<Attempt> attempts = untilAttempts(org, f.result().id(), 1);
      assertThat(attempts).hasSize(1).allSatisfy(a -> assertThat(a.status()).isEqualTo(Attempt.Status.SUCCESS));
    }
  }

  // ---------------------------------------------------------------- the rest of the API with builtin

  @Test
  void statusNamesTheBuiltinProviderAndInitializationCreatesThePreconfiguredEndpoints() {
    HttpResponse<Buffer> status = await(client.get(BASE + "/status").bearerTokenAuthentication(TestTokens.admin(outside)).send());
    assertThat(status.statusCode()).isEqualTo(200);
    JsonObject s = status.bodyAsJsonObject();
    assertThat(s.getString("provider")).isEqualTo("builtin");
    assertThat(s.getBoolean("enabled")).isTrue();
    assertThat(s.getJsonObject("svix").getBoolean("configured")).isFalse();

    String org = newOrg();
    HttpResponse<Buffer> init = http(HttpMethod.POST, "/organizations/" + org + "/initialize", org, null);
    assertThat(init.statusCode()).as(init.bodyAsString()).isEqualTo(200);
    JsonObject st = init.bodyAsJsonObject();
    assertThat(st.getString("status")).isEqualTo("INITIALIZED");
    assertThat(st.getBoolean("svixApplicationCreated")).isTrue();
    assertThat(st.getString("svixApplicationId")).isEqualTo(org);
    assertThat(st.getJsonArray("endpointIds")).hasSize(5);
    HttpResponse<Buffer> again = http(HttpMethod.POST, "/organizations/" + org + "/initialize", org, null);
    assertThat(again.bodyAsJsonObject().getJsonArray("endpointIds")).isEqualTo(st.getJsonArray("endpointIds"));
    HttpResponse<Buffer> list = http(HttpMethod.GET, "/organizations/" + org + "/endpoints", org, null);
    assertThat(list.bodyAsJsonObject().getJsonArray("data")).hasSize(5);

    // no Svix, so no Svix operational webhooks: the receiver answers as when it is not configured
    HttpResponse<Buffer> operational = await(client.post(BASE + "/svix/operational")
      .putHeader("svix-id", "msg_x").putHeader("svix-timestamp", Long.toString(System.currentTimeMillis() / 1000))
      .putHeader("svix-signature", "v1,AAAA")
      .sendJsonObject(new JsonObject().put("type", "endpoint.created").put("data", new JsonObject())));
    assertThat(operational.statusCode()).as(operational.bodyAsString()).isEqualTo(503);
    assertThat(operational.bodyAsJsonObject().getString("detail")).contains("DELIVERY_PROVIDER=builtin");
  }

  @Test
  void updateAllEndpointsBringsThePreconfiguredEndpointsUpToDateInPlace() {
    String org = newOrg();
    JsonObject st = http(HttpMethod.POST, "/organizations/" + org + "/initialize", org, null).bodyAsJsonObject();
    assertThat(st.getString("status")).isEqualTo("INITIALIZED");
    String id = st.getJsonArray("endpointIds").getString(0);
    // someone changed one of them by hand
    await(provider().patchEndpoint(org, id, new io.daytona.webhooks.provider.EndpointPatch(
      "https://elsewhere.example.com/x", null, false, null, null)));

    HttpResponse<Buffer> r = await(client.post(BASE + "/update-all-endpoints")
      .bearerTokenAuthentication(TestTokens.admin(outside)).send());
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getInteger("failed")).isZero();
    assertThat(r.bodyAsJsonObject().getInteger("updated")).isGreaterThanOrEqualTo(1);
    Endpoint repaired = await(provider().getEndpoint(org, id));
    assertThat(repaired.url()).startsWith("https://webhook.daytona.io/" + org + "/");
    JsonArray listed = http(HttpMethod.GET, "/organizations/" + org + "/endpoints", org, null).bodyAsJsonObject()
      .getJsonArray("data");
    assertThat(listed).hasSize(5);
    assertThat(listed.stream().map(e -> ((JsonObject) e).getString("id")).toList())
      .containsExactlyInAnyOrderElementsOf(st.getJsonArray("endpointIds").getList());
  }

  @Test
  void endpointsPageToTheEndAndDeleteStopsDeliveries() {
    String org = newOrg();
    for (int i = 0; i < 5; i++) {
      createEndpoint(org, "/page/" + org + "/" + i);
    }
    List<String> seen = new java.util.ArrayList<>();
    String iterator = null;
    do {
      HttpResponse<Buffer> r = http(HttpMethod.GET, "/organizations/" + org + "/endpoints?limit=2"
        + (iterator == null ? "" : "&iterator=" + iterator), org, null);
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      JsonObject page = r.bodyAsJsonObject();
      page.getJsonArray("data").forEach(e -> seen.add(((JsonObject) e).getString("url")));
      iterator = page.getBoolean("done") ? null : page.getString("iterator");
    } while (iterator != null);
    assertThat(seen).hasSize(5).doesNotHaveDuplicates();

    String id = await(provider().listEndpoints(org, PageRequest.first(1))).data().get(0).id();
    HttpResponse<Buffer> deleted = http(HttpMethod.DELETE, "/organizations/" + org + "/endpoints/" + id, org, null);
    assertThat(deleted.statusCode()).isEqualTo(204);
    HttpResponse<Buffer> missing = http(HttpMethod.DELETE, "/organizations/" + org + "/endpoints/" + id, org, null);
    assertThat(missing.statusCode()).isEqualTo(404);
    // another organization cannot see this one's endpoints
    String stranger = newOrg();
    String other = await(provider().listEndpoints(org, PageRequest.first(1))).data().get(0).id();
    HttpResponse<Buffer> foreign = http(HttpMethod.DELETE, "/organizations/" + stranger + "/endpoints/" + other,
      stranger, null);
    assertThat(foreign.statusCode()).isEqualTo(404);
  }

  @Test
  void theSameEventIdIsOneMessage() {
    String org = newOrg();
    String path = "/dedupe/" + org;
    createEndpoint(org, path);
    String eventId = "ev-" + UUID.randomUUID();
    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> r = http(HttpMethod.POST, "/organizations/" + org + "/send", org, new JsonObject()
        .put("eventType", "custom.dedupe").put("eventId", eventId).put("payload", new JsonObject().put("i", i)));
      assertThat(r.statusCode()).isEqualTo(202);
    }
    until(() -> receiver.at(path).size() == 1);
    String marker = send(org, "custom.dedupe-after", new JsonObject());
    untilMessage(org, marker);
    until(() -> receiver.at(path).size() == 2);
    assertThat(receiver.at(path)).hasSize(2);
  }

  // ---------------------------------------------------------------- helpers

  static String newOrg() {
    return "org-" + UUID.randomUUID();
  }

  private static DeliveryProvider provider() {
    return service.context().provider();
  }

  private static Endpoint createEndpoint(String org, String path, String... types) {
    return await(provider().getEndpoint(org, createEndpoint(client, org, path, types)));
  }

  /** Creates the endpoint through the REST API of the service {@code to} calls; answers its id. */
  private static String createEndpoint(WebClient to, String org, String path, String... types) {
    JsonObject body = new JsonObject().put("url", receiver.url(path));
    if (types.length > 0) {
      body.put("eventTypes", new JsonArray(List.of(types)));
    }
    HttpResponse<Buffer> r = http(to, HttpMethod.POST, "/organizations/" + org + "/endpoints", org, body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("id");
  }

  /** Sends through REST; answers the eventId. */
  private static String send(String org, String type, JsonObject payload) {
    return send(client, org, type, payload);
  }

  private static String send(WebClient to, String org, String type, JsonObject payload) {
    HttpResponse<Buffer> r = http(to, HttpMethod.POST, "/organizations/" + org + "/send", org,
      new JsonObject().put("eventType", type).put("payload", payload));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    return r.bodyAsJsonObject().getString("eventId");
  }

  private static HttpResponse<Buffer> http(HttpMethod method, String path, String org, JsonObject body) {
    return http(client, method, path, org, body);
  }

  private static HttpResponse<Buffer> http(WebClient to, HttpMethod method, String path, String org, JsonObject body) {
    HttpRequest<Buffer> req = to.request(method, BASE + path)
      .bearerTokenAuthentication(TestTokens.user(outside, "user-" + org, org));
    return await(body == null ? req.send() : req.sendJsonObject(body));
  }

  private static Message untilMessage(String org, String eventId) {
    until(() -> provider().getMessage(org, eventId).map(m -> true).otherwise(false)
      .toCompletionStage().toCompletableFuture().join());
    return await(provider().getMessage(org, eventId));
  }

  private static List<Attempt> untilAttempts(String org, String messageId, int n) {
    until(() -> await(provider().listAttemptsByMessage(org, messageId, new AttemptQuery(PageRequest.first(50), null)))
      .data().size() >= n);
    return await(provider().listAttemptsByMessage(org, messageId, new AttemptQuery(PageRequest.first(50), null))).data();
  }

  private static Map<String, List<String>> headers(MultiMap h, String prefix) {
    Map<String, List<String>> out = new HashMap<>();
    // the SDK's verifier reads svix-* or webhook-* names
    for (String name : List.of("id", "timestamp", "signature")) {
      out.put(prefix + name, List.of(h.get(prefix + name)));
    }
    return out;
  }

  private static List<JsonObject> listen(String org) {
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = service.vertx().eventBus().consumer(Addresses.org(org),
      m -> received.add(m.body()));
    await(consumer.completion());
    return received;
  }

  private static void until(BooleanSupplier condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT);
      }
      await(outside.timer(20));
    }
  }

  static <T> T await(Future<T> future) {
    return SvixStandIn.block(future, Duration.ofSeconds(60));
  }
}
