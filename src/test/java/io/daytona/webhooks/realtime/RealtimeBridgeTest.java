package io.daytona.webhooks.realtime;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SockJS bridge end to end: the service with the Svix stand-in sending real deliveries and
 * signed operational webhooks to our receiver, and Java clients speaking the bridge protocol.
 */
class RealtimeBridgeTest {

  private static final String SECRET = "whsec_" + java.util.Base64.getEncoder()
    .encodeToString("bridge-test-operational-secret!!".getBytes());
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static Vertx vertx;
  private static SvixStandIn svix;
  private static HttpServer receiver;
  private static WebhookService service;
  private static final List<BridgeClient> clients = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    svix = SvixStandIn.block(new SvixStandIn(vertx).start(), WAIT);
    receiver = SvixStandIn.block(vertx.createHttpServer()
      .requestHandler(req -> req.body().onComplete(b -> req.response().setStatusCode(200).end()))
      .listen(0, "127.0.0.1"), WAIT);
    service = SvixStandIn.block(TestService.start(Map.of(
      "SVIX_AUTH_TOKEN", svix.token(),
      "SVIX_SERVER_URL", svix.serverUrl(),
      "SVIX_OPERATIONAL_WEBHOOK_SECRET", SECRET)), Duration.ofSeconds(90));
    svix.operationalWebhooks("http://127.0.0.1:" + service.port() + "/api/webhooks/svix/operational", SECRET);
  }

  @AfterAll
  static void stop() {
    for (BridgeClient c : List.copyOf(clients)) {
      c.close();
    }
    if (service != null) {
      SvixStandIn.block(service.stop(), WAIT);
    }
    if (vertx != null) {
      SvixStandIn.block(vertx.close(), WAIT);
    }
  }

  static BridgeClient client() {
    BridgeClient c = SvixStandIn.block(BridgeClient.connect(vertx, service.port()), WAIT);
    clients.add(c);
    return c;
  }

  static void until(BooleanSupplier condition) {
    SvixStandIn.block(svix.await(condition, WAIT), WAIT.plusSeconds(1));
  }

  /** Publishes a probe on {@code address} until {@code client} has received one: its register is in place. */
  static void awaitRegistered(BridgeClient client, String address) {
    String probe = "probe-" + UUID.randomUUID();
    long timer = service.vertx().setPeriodic(50, id -> service.vertx().eventBus()
      .publish(address, new JsonObject().put("type", "probe").put("probe", probe)));
    try {
      until(() -> client.received().stream().anyMatch(f -> probe.equals(f.getJsonObject("body").getString("probe"))));
    } catch (IllegalStateException e) {
      throw new AssertionError("not registered on " + address + "; frames: " + client.frames(), e);
    } finally {
      service.vertx().cancelTimer(timer);
    }
  }

  static boolean rejected(BridgeClient c) {
    return c.errors().stream().anyMatch(e -> "rejected".equals(e.getString("body")));
  }

  @Test
  void aClientOfTheOrganizationSeesEndpointAndDeliveryEventsAndOthersAreRejected() {
    String org = "org-rt-" + UUID.randomUUID();
    String token = TestTokens.user(service.vertx(), "alice", org);
    String otherToken = TestTokens.user(service.vertx(), "mallory", "org-other-" + UUID.randomUUID());

    BridgeClient member = client();
    BridgeClient admin = client();
    BridgeClient otherOrg = client();
    BridgeClient anonymous = client();
    BridgeClient memberAsAdmin = client();
    BridgeClient garbageToken = client();
    SvixStandIn.block(member.register(Addresses.org(org), token), WAIT);
    SvixStandIn.block(admin.register(Addresses.ADMIN, TestTokens.admin(service.vertx())), WAIT);
    SvixStandIn.block(otherOrg.register(Addresses.org(org), otherToken), WAIT);
    SvixStandIn.block(anonymous.register(Addresses.org(org), null), WAIT);
    SvixStandIn.block(memberAsAdmin.register(Addresses.ADMIN, token), WAIT);
    SvixStandIn.block(garbageToken.register(Addresses.org(org), "not-a-token"), WAIT);
    awaitRegistered(member, Addresses.org(org));
    awaitRegistered(admin, Addresses.ADMIN);
    until(() -> rejected(otherOrg) && rejected(anonymous) && rejected(memberAsAdmin) && rejected(garbageToken));

    // an endpoint created through the REST API ...
    String url = "http://127.0.0.1:" + receiver.actualPort() + "/hook";
    var created = SvixStandIn.block(WebClient.create(vertx)
      .post(service.port(), "127.0.0.1", "/api/webhooks/organizations/" + org + "/endpoints")
      .bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("url", url).put("description", "realtime test")), WAIT);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String endpointId = created.bodyAsJsonObject().getString("id");

    // ... and a webhook sent through Svix (the stand-in delivers it, then reports the attempt)
    String eventId = "evt-" + UUID.randomUUID();
    SvixStandIn.block(service.context().provider().createMessage(org, null, new io.daytona.webhooks.provider.NewMessage(
      "sandbox.created", eventId, new JsonObject().put("id", "sb-1").encode(), null)), WAIT);

    until(() -> !member.events("endpoint.created").isEmpty() && !member.events("webhook.delivered").isEmpty());
    JsonObject delivered = member.events("webhook.delivered").get(0);
    assertThat(delivered.getString("organizationId")).isEqualTo(org);
    assertThat(delivered.getJsonObject("data").getString("msgEventId")).isEqualTo(eventId);
    assertThat(delivered.getJsonObject("data").getString("endpointId")).isEqualTo(endpointId);
    assertThat(delivered.getString("timestamp")).isNotBlank();
    assertThat(member.events("endpoint.created")).allSatisfy(e -> assertThat(e.getString("organizationId")).isEqualTo(org));
    until(() -> admin.events("webhook.delivered").stream().anyMatch(e -> org.equals(e.getString("organizationId"))));

    // the rejected clients received nothing at all from the bus
    for (BridgeClient c : List.of(otherOrg, anonymous, memberAsAdmin, garbageToken)) {
      assertThat(c.received()).isEmpty();
    }
    // and nothing the bridge sent carries a credential
    assertThat(member.frames()).allSatisfy(f -> assertThat(f.encode()).doesNotContain(token));
  }

  @Test
  void aClientOnXhrStreamingRegistersThroughXhrSendAndReceives() {
    String org = "org-xhr-" + UUID.randomUUID();
    String token = TestTokens.user(service.vertx(), "alice", org);
    XhrBridgeClient c = SvixStandIn.block(XhrBridgeClient.connect(vertx, service.port()), WAIT);
    try {
      assertThat(SvixStandIn.block(c.register(Addresses.org(org), token), WAIT)).isEqualTo(204);
      String probe = "xhr-" + UUID.randomUUID();
      long timer = service.vertx().setPeriodic(50, id -> service.vertx().eventBus()
        .publish(Addresses.org(org), new JsonObject().put("type", "probe").put("probe", probe)));
      try {
        until(() -> c.received().stream().anyMatch(f -> probe.equals(f.getJsonObject("body").getString("probe"))));
      } catch (IllegalStateException e) {
        throw new AssertionError("xhr-streaming client not registered; frames: " + c.frames(), e);
      } finally {
        service.vertx().cancelTimer(timer);
      }
      // a frame too large for the bridge's body limit is refused, not buffered
      JsonObject huge = new JsonObject().put("type", "ping").put("pad", "x".repeat(RealtimeRoutes.MAX_SEND_BYTES + 1));
      JsonObject refused = SvixStandIn.block(c.send(huge), WAIT);
      assertThat(refused.getInteger("status")).isEqualTo(413);
      assertThat(new JsonObject(refused.getString("body")).getString("detail"))
        .isEqualTo("A frame POST of the real-time bridge is larger than 64 KiB.");
    } finally {
      SvixStandIn.block(c.close(), WAIT);
    }
  }

  /** A frame POST declaring more than the bridge ever drains is refused before a byte of its body is sent. */
  @Test
  void aFramePostDeclaringAHugeBodyIsRefusedUnread() {
    Promise<String> answer = Promise.promise();
    StringBuilder received = new StringBuilder();
    vertx.createNetClient().connect(service.port(), "127.0.0.1").onFailure(answer::tryFail).onSuccess(socket -> {
      socket.handler(b -> {
        received.append(b.toString());
        if (received.indexOf("\r\n\r\n") >= 0) {
          answer.tryComplete(received.toString());
        }
      });
      socket.closeHandler(v -> answer.tryComplete(received.toString()));
      socket.write("POST " + RealtimeRoutes.SOCKET_PATH + "/000/" + UUID.randomUUID().toString().replace("-", "")
        + "/xhr_send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: "
        + (RealtimeRoutes.MAX_DRAINED_BYTES + 1) + "\r\n\r\n");
    });
    assertThat(SvixStandIn.block(answer.future(), WAIT)).startsWith("HTTP/1.1 413");
  }

  @Test
  void nothingCanBeSentOrPublishedIntoTheBusFromAClient() {
    String org = "org-in-" + UUID.randomUUID();
    String token = TestTokens.user(service.vertx(), "alice", org);
    List<JsonObject> reachedBus = Collections.synchronizedList(new ArrayList<>());
    for (String address : List.of(Addresses.org(org), Addresses.ADMIN, Addresses.api("getStatus"), "anything")) {
      service.vertx().eventBus().<Object>consumer(address, m -> {
        if (m.body() instanceof JsonObject b && "forged".equals(b.getString("marker"))) {
          reachedBus.add(new JsonObject().put("address", address).put("headers", m.headers().toString()));
        }
      });
    }
    BridgeClient c = client();
    SvixStandIn.block(c.register(Addresses.org(org), token), WAIT);
    awaitRegistered(c, Addresses.org(org));
    JsonObject headers = new JsonObject().put("Authorization", "Bearer " + token);
    JsonObject body = new JsonObject().put("marker", "forged").put("type", "webhook.delivered");
    SvixStandIn.block(c.frame(new JsonObject().put("type", "publish").put("address", Addresses.org(org))
      .put("headers", headers).put("body", body)), WAIT);
    SvixStandIn.block(c.frame(new JsonObject().put("type", "send").put("address", Addresses.api("getStatus"))
      .put("headers", headers).put("body", body).put("replyAddress", UUID.randomUUID().toString())), WAIT);
    SvixStandIn.block(c.frame(new JsonObject().put("type", "publish").put("address", Addresses.ADMIN)
      .put("headers", headers).put("body", body)), WAIT);
    SvixStandIn.block(c.frame(new JsonObject().put("type", "send").put("address", "anything").put("body", body)), WAIT);
    until(() -> c.errors().stream().filter(e -> "rejected".equals(e.getString("body"))).count() == 4);
    // the bus still delivers to this client, and nothing it tried reached a consumer
    awaitRegistered(c, Addresses.org(org));
    assertThat(reachedBus).isEmpty();
    assertThat(c.received()).noneMatch(f -> "forged".equals(f.getJsonObject("body").getString("marker")));
  }

  @Test
  void everyClientMessageLosesItsAuthorizationHeaderBeforeTheBridgeUsesIt() {
    String org = "org-strip-" + UUID.randomUUID();
    String token = TestTokens.user(service.vertx(), "alice", org);
    RealtimeBridge bridge = new RealtimeBridge(service.context().authenticator(), new RealtimeSessions(100), null);

    JsonObject register = new JsonObject().put("type", "register").put("address", Addresses.org(org))
      .put("headers", new JsonObject().put("Authorization", "Bearer " + token).put("x-trace", "t1"));
    FakeEvent registerEvent = new FakeEvent(BridgeEventType.REGISTER, register);
    bridge.handle(registerEvent);
    assertThat(SvixStandIn.block(registerEvent.future(), WAIT)).isTrue();
    assertThat(register.getJsonObject("headers").fieldNames()).containsExactly("x-trace");

    JsonObject publish = new JsonObject().put("type", "publish").put("address", Addresses.org(org))
      .put("headers", new JsonObject().put("authorization", "Bearer " + token)).put("body", new JsonObject());
    FakeEvent publishEvent = new FakeEvent(BridgeEventType.PUBLISH, publish);
    bridge.handle(publishEvent);
    assertThat(SvixStandIn.block(publishEvent.future(), WAIT)).isFalse();
    assertThat(publish.getJsonObject("headers").isEmpty()).isTrue();
    assertThat(publish.encode()).doesNotContain(token);

    JsonObject foreign = new JsonObject().put("type", "register").put("address", Addresses.org("someone-else"))
      .put("headers", new JsonObject().put("Authorization", "Bearer " + token));
    FakeEvent foreignEvent = new FakeEvent(BridgeEventType.REGISTER, foreign);
    bridge.handle(foreignEvent);
    assertThat(SvixStandIn.block(foreignEvent.future(), WAIT)).isFalse();
    assertThat(foreign.encode()).doesNotContain(token);
  }

  /** A bridge event as vertx-web hands it to the bridge's event handler (its impl class is not public). */
  static final class FakeEvent implements BridgeEvent {
    private final BridgeEventType type;
    private final JsonObject raw;
    private final Promise<Boolean> promise = Promise.promise();

    FakeEvent(BridgeEventType type, JsonObject raw) {
      this.type = type;
      this.raw = raw;
    }

    @Override
    public BridgeEventType type() {
      return type;
    }

    @Override
    public JsonObject getRawMessage() {
      return raw;
    }

    @Override
    public BridgeEvent setRawMessage(JsonObject message) {
      if (message != raw) {
        raw.clear().mergeIn(message);
      }
      return this;
    }

    @Override
    public SockJSSocket socket() {
      return null;
    }

    @Override
    public boolean tryComplete(Boolean result) {
      return promise.tryComplete(result);
    }

    @Override
    public boolean tryFail(Throwable cause) {
      return promise.tryFail(cause);
    }

    @Override
    public Future<Boolean> future() {
      return promise.future();
    }
  }
}
