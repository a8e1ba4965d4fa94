package io.daytona.webhooks.testsupport.svix;

import com.svix.Svix;
import com.svix.SvixHttpClient;
import com.svix.Webhook;
import com.svix.api.EndpointListOptions;
import com.svix.api.Health;
import com.svix.api.MessageCreateOptions;
import com.svix.exceptions.ApiException;
import com.svix.models.ApplicationIn;
import com.svix.models.ApplicationOut;
import com.svix.models.EndpointIn;
import com.svix.models.EndpointOut;
import com.svix.models.EndpointPatch;
import com.svix.models.EventTypeIn;
import com.svix.models.EventTypeUpdate;
import com.svix.models.ListResponseEndpointOut;
import com.svix.models.MessageIn;
import com.svix.models.MessageOut;
import io.daytona.webhooks.testsupport.svix.SvixRecords.DeliveryAttempt;
import io.daytona.webhooks.testsupport.svix.SvixRecords.OperationalWebhookSent;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredMessage;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Drives {@link SvixStandIn} through the real Svix SDK 1.99.1. SDK calls block, so they run on the JUnit thread,
 * never on a Vert.x event loop.
 */
@ExtendWith(VertxExtension.class)
class SvixStandInTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private Vertx vertx;
  private SvixStandIn standIn;
  private Svix svix;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A local webhook receiver: records what arrives and answers {@code status}. */
  private static final class Receiver {
    final List<Map<String, List<String>>> headers = new CopyOnWriteArrayList<>();
    final List<String> bodies = new CopyOnWriteArrayList<>();
    final AtomicInteger status = new AtomicInteger(200);
    HttpServer server;

    String url(String path) {
      return "http://127.0.0.1:" + server.actualPort() + path;
    }
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    standIn = block(new SvixStandIn(vertx, "testsk_secret-token").start(), WAIT);
    svix = standIn.newSdkClient();
  }

  @AfterEach
  void tearDown() {
    block(standIn.stop(), WAIT);
  }

  private Receiver receiver() {
    Receiver r = new Receiver();
    r.server = block(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(buf -> {
      Map<String, List<String>> h = new java.util.HashMap<>();
      req.headers().forEach(e -> h.computeIfAbsent(e.getKey().toLowerCase(), k -> new ArrayList<>()).add(e.getValue()));
      r.headers.add(h);
      r.bodies.add(buf.toString());
      req.response().setStatusCode(r.status.get()).end();
    })).listen(0, "127.0.0.1"), WAIT);
    return r;
  }

  private ApplicationOut app(String uid) throws Exception {
    return svix.getApplication().getOrCreate(new ApplicationIn().name("Org " + uid).uid(uid));
  }

  private HttpResponse<String> raw(String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(standIn.serverUrl() + path)).timeout(WAIT)
      .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
      .header("content-type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static ApiException apiError(ThrowingCallable call) {
    ApiException e = catchThrowableOfType(ApiException.class, call::call);
    assertThat(e).as("an ApiException").isNotNull();
    return e;
  }

  @FunctionalInterface
  interface ThrowingCallable {
    void call() throws Exception;
  }

  // ------------------------------------------------------------------------------------------------------
  // health and auth
  // ------------------------------------------------------------------------------------------------------

  @Test
  void healthIs204WithoutBodyAndTheSdkHealthCallSucceeds() throws Exception {
    new Health(svix.getHttpClient()).get();
    HttpResponse<String> r = raw("GET", "/api/v1/health", null, null);
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.body()).isEmpty();
    assertThat(standIn.requestCount("GET", "/api/v1/health")).isEqualTo(2);
  }

  @Test
  void aWrongOrMissingTokenIs401WithSvixErrorShape() throws Exception {
    com.svix.SvixOptions o = new com.svix.SvixOptions();
    o.setServerUrl(standIn.serverUrl());
    Svix wrong = new Svix("testsk_wrong", o);
    ApiException e = apiError(() -> wrong.getApplication().list());
    assertThat(e.getCode()).isEqualTo(401);
    JsonObject body = new JsonObject(e.getResponseBody());
    assertThat(body.getString("code")).isEqualTo("authentication_failed");
    assertThat(body.getString("detail")).isNotBlank();

    assertThat(raw("GET", "/api/v1/app", null, null).statusCode()).isEqualTo(401);
    assertThat(svix.getApplication().list().getData()).isEmpty();
  }

  // ------------------------------------------------------------------------------------------------------
  // applications
  // ------------------------------------------------------------------------------------------------------

  @Test
  void getOrCreateTwiceReturnsTheSameAppAndPlainCreateOfADuplicateUidIs409() throws Exception {
    ApplicationOut first = app("org-1");
    ApplicationOut second = app("org-1");
    assertThat(second.getId()).isEqualTo(first.getId()).startsWith("app_").hasSize(31);
    assertThat(standIn.apps()).hasSize(1);
    assertThat(standIn.requests()).filteredOn(r -> r.path().equals("/api/v1/app"))
      .allMatch(r -> "get_if_exists=true".equals(r.query()));

    ApiException dup = apiError(() -> svix.getApplication().create(new ApplicationIn().name("x").uid("org-1")));
    assertThat(dup.getCode()).isEqualTo(409);
    assertThat(new JsonObject(dup.getResponseBody()).getString("code")).isEqualTo("conflict");

    assertThat(svix.getApplication().get("org-1").getId()).isEqualTo(first.getId());
    assertThat(svix.getApplication().get(first.getId()).getUid()).isEqualTo("org-1");
    assertThat(svix.getApplication().update("org-1", new ApplicationIn().name("Renamed")).getName())
      .isEqualTo("Renamed");
    assertThat(standIn.app("org-1")).get().extracting(SvixRecords.StoredApp::name).isEqualTo("Renamed");
    assertThat(svix.getApplication().list().getData()).extracting(ApplicationOut::getId)
      .containsExactly(first.getId());

    svix.getApplication().delete("org-1");
    assertThat(apiError(() -> svix.getApplication().get("org-1")).getCode()).isEqualTo(404);
  }

  @Test
  void bodiesThatAreNotJsonOrMissRequiredFieldsAre422() throws Exception {
    HttpResponse<String> notJson = raw("POST", "/api/v1/app", "{not json", standIn.token());
    assertThat(notJson.statusCode()).isEqualTo(422);
    assertThat(new JsonObject(notJson.body()).getJsonArray("detail").getJsonObject(0).getJsonArray("loc"))
      .containsExactly("body");

    HttpResponse<String> noName = raw("POST", "/api/v1/app", "{\"uid\":\"u\"}", standIn.token());
    assertThat(noName.statusCode()).isEqualTo(422);
    JsonObject err = new JsonObject(noName.body()).getJsonArray("detail").getJsonObject(0);
    assertThat(err.getJsonArray("loc")).containsExactly("body", "name");
    assertThat(err.getString("type")).isEqualTo("value_error.missing");
    assertThat(err.getString("msg")).isNotBlank();
    assertThat(standIn.apps()).isEmpty();
  }

  // ------------------------------------------------------------------------------------------------------
  // event types
  // ------------------------------------------------------------------------------------------------------

  @Test
  void eventTypesCreateConflictUpsertListAndNamePattern() throws Exception {
    svix.getEventType().create(new EventTypeIn().name("sandbox.created").description("A sandbox was created"));
    assertThat(apiError(() -> svix.getEventType().create(
      new EventTypeIn().name("sandbox.created").description("again"))).getCode()).isEqualTo(409);

    // PUT upserts: an unknown name is created (201), a known one updated (200)
    svix.getEventType().update("sandbox.deleted", new EventTypeUpdate().description("gone"));
    svix.getEventType().update("sandbox.created", new EventTypeUpdate().description("changed"));
    assertThat(standIn.eventType("sandbox.deleted")).isPresent();
    assertThat(svix.getEventType().get("sandbox.created").getDescription()).isEqualTo("changed");
    assertThat(svix.getEventType().list().getData()).extracting(e -> e.getName())
      .containsExactly("sandbox.created", "sandbox.deleted");

    ApiException bad = apiError(() -> svix.getEventType().create(
      new EventTypeIn().name("bad name!").description("x")));
    assertThat(bad.getCode()).isEqualTo(422);
    assertThat(new JsonObject(bad.getResponseBody()).getJsonArray("detail").getJsonObject(0).getJsonArray("loc"))
      .containsExactly("body", "name");
    assertThat(apiError(() -> svix.getEventType().get("nope")).getCode()).isEqualTo(404);
    assertThat(raw("PUT", "/api/v1/event-type/sandbox.stopped", "{\"description\":\"s\"}", standIn.token())
      .statusCode()).isEqualTo(201);
    assertThat(raw("PUT", "/api/v1/event-type/sandbox.stopped", "{\"description\":\"t\"}", standIn.token())
      .statusCode()).isEqualTo(200);
    assertThat(raw("PUT", "/api/v1/event-type/sandbox.stopped", "{}", standIn.token()).statusCode()).isEqualTo(422);
  }

  // ------------------------------------------------------------------------------------------------------
  // endpoints
  // ------------------------------------------------------------------------------------------------------

  @Test
  void endpointUidIsUniquePerAppAndUnknownFilterTypesAre422() throws Exception {
    ApplicationOut a = app("org-ep");
    ApplicationOut b = app("org-ep-2");
    standIn.registerEventType("sandbox.created", "created");
    EndpointIn in = new EndpointIn().url(URI.create("https://example.invalid/hook")).uid("hook-1")
      .filterTypes(Set.of("sandbox.created"));
    EndpointOut ep = svix.getEndpoint().create(a.getId(), in);
    assertThat(ep.getId()).startsWith("ep_").hasSize(30);
    assertThat(ep.getFilterTypes()).containsExactly("sandbox.created");

    ApiException dup = apiError(() -> svix.getEndpoint().create(a.getId(), in));
    assertThat(dup.getCode()).isEqualTo(409);
    svix.getEndpoint().create(b.getId(), in); // the same uid in another app is fine

    ApiException unknownType = apiError(() -> svix.getEndpoint().create(a.getId(),
      new EndpointIn().url(URI.create("https://example.invalid/x")).filterTypes(Set.of("not.registered"))));
    assertThat(unknownType.getCode()).isEqualTo(422);
    JsonObject detail = new JsonObject(unknownType.getResponseBody()).getJsonArray("detail").getJsonObject(0);
    assertThat(detail.getJsonArray("loc")).containsExactly("body", "filterTypes");
    assertThat(detail.getString("msg")).contains("not.registered");
    assertThat(standIn.endpoints("org-ep")).hasSize(1);

    assertThat(svix.getEndpoint().get("org-ep", "hook-1").getId()).isEqualTo(ep.getId());
    assertThat(svix.getEndpoint().getSecret(a.getId(), ep.getId()).getKey()).startsWith("whsec_")
      .isEqualTo(standIn.endpoints("org-ep").get(0).secret());
    assertThat(apiError(() -> svix.getEndpoint().get(a.getId(), "ep_2Z9pCcPjKdM5Ee0Qh6r3rF4vXyZ")).getCode())
      .isEqualTo(404);
    assertThat(apiError(() -> svix.getEndpoint().list("no-such-app")).getCode()).isEqualTo(404);

    EndpointOut patched = svix.getEndpoint().patch(a.getId(), "hook-1", new EndpointPatch().disabled(true));
    assertThat(patched.getDisabled()).isTrue();
    assertThat(patched.getFilterTypes()).containsExactly("sandbox.created");
    svix.getEndpoint().delete(a.getId(), "hook-1");
    assertThat(standIn.endpoints("org-ep")).isEmpty();
  }

  @Test
  void endpointListPaginatesSevenEndpointsInPagesOfThree() throws Exception {
    ApplicationOut a = app("org-page");
    Set<String> created = new HashSet<>();
    for (int i = 0; i < 7; i++) {
      created.add(svix.getEndpoint().create(a.getId(),
        new EndpointIn().url(URI.create("https://example.invalid/" + i)).uid("ep-" + i)).getId());
    }
    List<Integer> pageSizes = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    String iterator = null;
    boolean done = false;
    while (!done) {
      EndpointListOptions opts = new EndpointListOptions();
      opts.setLimit(3L);
      opts.setIterator(iterator);
      ListResponseEndpointOut page = svix.getEndpoint().list(a.getId(), opts);
      pageSizes.add(page.getData().size());
      page.getData().forEach(e -> seen.add(e.getId()));
      iterator = page.getIterator();
      done = page.getDone();
      assertThat(pageSizes).hasSizeLessThanOrEqualTo(3);
    }
    assertThat(pageSizes).containsExactly(3, 3, 1);
    assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(created);
    assertThat(seen).isSorted();

    ApiException badLimit = apiError(() -> {
      EndpointListOptions o = new EndpointListOptions();
      o.setLimit(251L);
      svix.getEndpoint().list(a.getId(), o);
    });
    assertThat(badLimit.getCode()).isEqualTo(422);
  }

  // ------------------------------------------------------------------------------------------------------
  // messages
  // ------------------------------------------------------------------------------------------------------

  @Test
  void duplicateEventIdIs409AndIdempotencyKeyReplaysTheFirstAnswer() throws Exception {
    ApplicationOut a = app("org-msg");
    MessageIn in = new MessageIn().eventType("sandbox.created").eventId("evt-1").payload("{\"n\":1}");
    MessageOut first = svix.getMessage().create(a.getId(), in);
    assertThat(first.getId()).startsWith("msg_").hasSize(31);

    ApiException dup = apiError(() -> svix.getMessage().create(a.getId(), in));
    assertThat(dup.getCode()).isEqualTo(409);
    assertThat(standIn.messagesCreated("evt-1")).isEqualTo(1);
    assertThat(standIn.messageCreateRequests("evt-1")).isEqualTo(2);

    MessageCreateOptions opts = new MessageCreateOptions();
    opts.setIdempotencyKey("key-42");
    MessageIn in2 = new MessageIn().eventType("sandbox.created").eventId("evt-2").payload("{\"n\":2}");
    MessageOut once = svix.getMessage().create(a.getId(), in2, opts);
    MessageOut replay = svix.getMessage().create(a.getId(), in2, opts);
    assertThat(replay.getId()).isEqualTo(once.getId());
    assertThat(standIn.messagesCreated("evt-2")).isEqualTo(1);
    assertThat(standIn.messageCreateRequests("evt-2")).isEqualTo(2);
    assertThat(standIn.requests()).filteredOn(r -> r.path().endsWith("/msg")).extracting(r -> r.idempotencyKey())
      .contains("key-42").allMatch(k -> k != null); // the SDK adds auto_<uuid> keys to every POST
  }

  @Test
  void rawPayloadRoundTripsAndEventTypeAndEventIdAreValidated() throws Exception {
    ApplicationOut a = app("org-raw");
    String raw = "{\"sandbox\":{\"id\":\"sb-1\",\"tags\":[1,2,3]},\"ok\":true}";
    MessageOut out = svix.getMessage().create(a.getId(),
      new MessageIn().eventType("sandbox.created").eventId("raw-1").payload(raw));
    assertThat(out.getPayload()).isEqualTo(new JsonObject(raw).getMap());

    StoredMessage stored = block(standIn.awaitMessages("org-raw", 1, WAIT), WAIT).get(0);
    assertThat(stored.payload()).isEqualTo(new JsonObject(raw));
    assertThat(stored.rawPayload()).isEqualTo(raw);
    assertThat(stored.eventType()).isEqualTo("sandbox.created");
    assertThat(stored.eventId()).isEqualTo("raw-1");
    assertThat(stored.timestamp()).isNotNull();
    assertThat(svix.getMessage().get(a.getId(), out.getId()).getPayload()).isEqualTo(new JsonObject(raw).getMap());
    assertThat(svix.getMessage().get(a.getId(), "raw-1").getId()).isEqualTo(out.getId());
    assertThat(svix.getMessage().list(a.getId()).getData()).extracting(MessageOut::getId).containsExactly(out.getId());

    // a plain JSON body with "payload" as an object is stored the same way
    HttpResponse<String> plain = raw("POST", "/api/v1/app/org-raw/msg",
      "{\"eventType\":\"sandbox.deleted\",\"payload\":{\"k\":\"v\"}}", standIn.token());
    assertThat(plain.statusCode()).isEqualTo(202);
    assertThat(standIn.messages("org-raw").get(1).payload()).isEqualTo(new JsonObject().put("k", "v"));

    assertThat(apiError(() -> svix.getMessage().create(a.getId(),
      new MessageIn().eventType("has space").payload("{}"))).getCode()).isEqualTo(422);
    assertThat(apiError(() -> svix.getMessage().create(a.getId(),
      new MessageIn().eventType("ok").eventId("x".repeat(257)).payload("{}"))).getCode()).isEqualTo(422);
    assertThat(apiError(() -> svix.getMessage().create(a.getId(),
      new MessageIn().eventType("ok").eventId("").payload("{}"))).getCode()).isEqualTo(422);
    assertThat(apiError(() -> svix.getMessage().create("no-such-app",
      new MessageIn().eventType("ok").payload("{}"))).getCode()).isEqualTo(404);
    assertThat(raw("POST", "/api/v1/app/org-raw/msg", "{\"eventType\":\"x\"}", standIn.token()).statusCode())
      .isEqualTo(422);
    assertThat(standIn.messages("org-raw")).hasSize(2);
  }

  // ------------------------------------------------------------------------------------------------------
  // faults
  // ------------------------------------------------------------------------------------------------------

  @Test
  void fiveHundredsAreRetriedByTheSdkThreeTimesAndSurfaceWhenTheyLast() throws Exception {
    standIn.failNext(1, 503);
    app("org-retry"); // the SDK retries 5xx after 50, 100, 200 ms
    assertThat(standIn.requestCount("POST", "/api/v1/app")).isEqualTo(2);

    standIn.failAll(500);
    ApiException e = apiError(() -> svix.getApplication().get("org-retry"));
    assertThat(e.getCode()).isEqualTo(500);
    assertThat(new JsonObject(e.getResponseBody()).getString("code")).isEqualTo("internal_server_error");
    assertThat(standIn.requestCount("GET", "/api/v1/app/org-retry")).isEqualTo(4);

    block(standIn.heal(), WAIT);
    assertThat(svix.getApplication().get("org-retry").getUid()).isEqualTo("org-retry");
  }

  @Test
  void aFaultCanBeLimitedToAPathToFailInTheMiddleOfEndpointCreation() throws Exception {
    standIn.failAll(503, "/endpoint");
    ApplicationOut a = app("org-mid");
    assertThat(apiError(() -> svix.getEndpoint().create(a.getId(),
      new EndpointIn().url(URI.create("https://example.invalid/")))).getCode()).isEqualTo(503);
    assertThat(standIn.endpoints("org-mid")).isEmpty();
    block(standIn.heal(), WAIT);
    svix.getEndpoint().create(a.getId(), new EndpointIn().url(URI.create("https://example.invalid/")));
    assertThat(standIn.endpoints("org-mid")).hasSize(1);
  }

  @Test
  void rateLimitIs429WithRetryAfterAndIsNotRetriedByTheSdk() throws Exception {
    standIn.rateLimitNext(1, 7);
    ApiException e = apiError(() -> app("org-429"));
    assertThat(e.getCode()).isEqualTo(429);
    assertThat(new JsonObject(e.getResponseBody()).fieldNames()).contains("code", "detail");
    assertThat(standIn.requestCount("POST", "/api/v1/app")).isEqualTo(1);

    standIn.rateLimitNext(1, 3, "/msg");
    app("org-429"); // not limited: another path
    HttpResponse<String> r = raw("POST", "/api/v1/app/org-429/msg", "{}", standIn.token());
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).contains("3");
  }

  @Test
  void slowAnswersDelayTheCallAndTripAShorterSdkReadTimeout() throws Exception {
    app("org-slow");
    standIn.delayNext(1, Duration.ofMillis(400));
    long t0 = System.nanoTime();
    svix.getApplication().get("org-slow");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(400));

    // SvixOptions has no timeout: the SDK uses OkHttp's default 10 s read timeout. Shorten it to test a timeout.
    shortenSdkReadTimeout(svix, Duration.ofMillis(300));
    standIn.delayNext(1, Duration.ofSeconds(2));
    assertThatThrownBy(() -> svix.getApplication().get("org-slow")).isInstanceOf(SocketTimeoutException.class);
    assertThat(svix.getApplication().get("org-slow").getUid()).isEqualTo("org-slow");
  }

  private static void shortenSdkReadTimeout(Svix svix, Duration timeout) throws Exception {
    Field f = SvixHttpClient.class.getDeclaredField("client");
    f.setAccessible(true);
    Object ok = f.get(svix.getHttpClient());
    Object builder = ok.getClass().getMethod("newBuilder").invoke(ok);
    builder.getClass().getMethod("readTimeout", Duration.class).invoke(builder, timeout);
    f.set(svix.getHttpClient(), builder.getClass().getMethod("build").invoke(builder));
  }

  @Test
  void refusedConnectionsThenBackOnTheSamePort() throws Exception {
    app("org-down");
    int port = standIn.port();
    block(standIn.refuseConnections(), WAIT);
    assertThatThrownBy(() -> svix.getApplication().get("org-down")).isInstanceOf(IOException.class)
      .isInstanceOf(ConnectException.class);
    block(standIn.acceptConnections(), WAIT);
    assertThat(standIn.port()).isEqualTo(port);
    assertThat(svix.getApplication().get("org-down").getUid()).isEqualTo("org-down");
  }

  // ------------------------------------------------------------------------------------------------------
  // delivery and operational webhooks
  // ------------------------------------------------------------------------------------------------------

  @Test
  void messagesAreDeliveredSignedToMatchingEndpointsOnly() throws Exception {
    Receiver r = receiver();
    ApplicationOut a = app("org-deliver");
    standIn.registerEventType("sandbox.created", "c");
    standIn.registerEventType("sandbox.deleted", "d");
    EndpointOut all = svix.getEndpoint().create(a.getId(), new EndpointIn().url(URI.create(r.url("/all"))));
    svix.getEndpoint().create(a.getId(), new EndpointIn().url(URI.create(r.url("/deleted-only")))
      .filterTypes(Set.of("sandbox.deleted")));
    svix.getEndpoint().create(a.getId(), new EndpointIn().url(URI.create(r.url("/disabled"))).disabled(true));
    String secret = svix.getEndpoint().getSecret(a.getId(), all.getId()).getKey();

    String raw = "{\"sandboxId\":\"sb-9\",\"state\":\"started\"}";
    MessageOut msg = svix.getMessage().create(a.getId(),
      new MessageIn().eventType("sandbox.created").eventId("deliver-1").payload(raw));

    List<DeliveryAttempt> attempts = block(standIn.awaitDeliveryAttempts(1, WAIT), WAIT);
    DeliveryAttempt at = attempts.get(0);
    assertThat(at.statusCode()).isEqualTo(200);
    assertThat(at.endpointId()).isEqualTo(all.getId());
    assertThat(at.msgId()).isEqualTo(msg.getId());
    assertThat(r.bodies).containsExactly(raw);
    Map<String, List<String>> headers = r.headers.get(0);
    assertThat(headers.get("svix-id")).containsExactly(msg.getId());
    new Webhook(secret).verify(r.bodies.get(0), headers);
    assertThatThrownBy(() -> new Webhook(SvixIds.newSecret()).verify(r.bodies.get(0), headers))
      .isInstanceOf(com.svix.exceptions.WebhookVerificationException.class);

    // a second message, of a type both the filtered endpoint and the unfiltered one want: two more attempts
    svix.getMessage().create(a.getId(), new MessageIn().eventType("sandbox.deleted").payload("{\"x\":1}"));
    block(standIn.awaitDeliveryAttempts(3, WAIT), WAIT);
    assertThat(standIn.deliveryAttempts()).extracting(DeliveryAttempt::url)
      .containsExactlyInAnyOrder(r.url("/all"), r.url("/all"), r.url("/deleted-only"))
      .doesNotContain(r.url("/disabled"));
  }

  @Test
  void deliveryCanBeSwitchedOff() throws Exception {
    Receiver r = receiver();
    ApplicationOut a = app("org-off");
    svix.getEndpoint().create(a.getId(), new EndpointIn().url(URI.create(r.url("/hook"))));
    standIn.deliveryEnabled(false);
    svix.getMessage().create(a.getId(), new MessageIn().eventType("t").eventId("off-1").payload("{}"));
    standIn.deliveryEnabled(true);
    MessageOut on = svix.getMessage().create(a.getId(), new MessageIn().eventType("t").eventId("on-1").payload("{}"));
    block(standIn.awaitDeliveryAttempts(1, WAIT), WAIT);
    assertThat(standIn.deliveryAttempts()).extracting(DeliveryAttempt::msgId).containsExactly(on.getId());
    assertThat(r.headers).extracting(h -> h.get("svix-id").get(0)).containsExactly(on.getId());
    assertThat(standIn.messages("org-off")).hasSize(2);
  }

  @Test
  void operationalWebhooksAreSentSignedForEndpointChangesAndFailedAttempts() throws Exception {
    Receiver ops = receiver();
    Receiver failing = receiver();
    failing.status.set(500);
    String opsSecret = SvixIds.newSecret();
    standIn.operationalWebhooks(ops.url("/svix-ops"), opsSecret);

    ApplicationOut a = app("org-ops");
    EndpointOut ep = svix.getEndpoint().create(a.getId(),
      new EndpointIn().url(URI.create(failing.url("/hook"))).uid("ep-uid"));
    List<OperationalWebhookSent> sent = block(standIn.awaitOperationalWebhooks(1, WAIT), WAIT);
    assertThat(sent.get(0).statusCode()).isEqualTo(200);
    JsonObject created = new JsonObject(ops.bodies.get(0));
    assertThat(created.getString("type")).isEqualTo("endpoint.created");
    assertThat(created.getJsonObject("data")).isEqualTo(new JsonObject().put("appId", a.getId())
      .put("appUid", "org-ops").put("endpointId", ep.getId()).put("endpointUid", "ep-uid"));
    new Webhook(opsSecret).verify(ops.bodies.get(0), ops.headers.get(0));

    MessageOut msg = svix.getMessage().create(a.getId(),
      new MessageIn().eventType("sandbox.created").eventId("ops-1").payload("{}"));
    block(standIn.awaitOperationalWebhooks(3, WAIT), WAIT);
    assertThat(standIn.deliveryAttempts()).singleElement().extracting(DeliveryAttempt::statusCode).isEqualTo(500);
    List<JsonObject> bodies = ops.bodies.stream().map(JsonObject::new).toList();
    JsonObject log = bodies.stream().filter(b -> b.getString("type").equals("message.attempt.log")).findFirst()
      .orElseThrow();
    JsonObject entry = log.getJsonArray("data").getJsonObject(0);
    assertThat(entry.getString("msgId")).isEqualTo(msg.getId());
    assertThat(entry.getString("msgEventId")).isEqualTo("ops-1");
    assertThat(entry.getString("endpointId")).isEqualTo(ep.getId());
    assertThat(entry.getInteger("responseStatusCode")).isEqualTo(500);
    assertThat(entry.getInteger("status")).isEqualTo(2);
    assertThat(entry.fieldNames()).contains("orgId", "appId", "attemptId", "attemptStart", "attemptEnd",
      "msgCreated", "attemptCount");
    JsonObject exhausted = bodies.stream().filter(b -> b.getString("type").equals("message.attempt.exhausted"))
      .findFirst().orElseThrow().getJsonObject("data");
    assertThat(exhausted.getString("appUid")).isEqualTo("org-ops");
    assertThat(exhausted.getJsonObject("lastAttempt").getInteger("responseStatusCode")).isEqualTo(500);
    assertThat(exhausted.getJsonObject("lastAttempt").getString("id")).startsWith("atmpt_");
    for (int i = 0; i < ops.bodies.size(); i++) {
      new Webhook(opsSecret).verify(ops.bodies.get(i), ops.headers.get(i));
    }

    svix.getEndpoint().delete(a.getId(), ep.getId());
    block(standIn.awaitOperationalWebhooks(4, WAIT), WAIT);
    assertThat(new JsonObject(ops.bodies.get(3)).getString("type")).isEqualTo("endpoint.deleted");

    int status = block(standIn.sendOperationalWebhook("endpoint.disabled",
      new JsonObject().put("appId", a.getId()).put("endpointId", ep.getId())), WAIT);
    assertThat(status).isEqualTo(200);
    JsonObject custom = new JsonObject(ops.bodies.get(4));
    assertThat(custom.getString("type")).isEqualTo("endpoint.disabled");
    assertThat(custom.getJsonObject("data").getString("endpointId")).isEqualTo(ep.getId());
    new Webhook(opsSecret).verify(ops.bodies.get(4), ops.headers.get(4));
  }

  @Test
  void resetClearsStateAndAwaitTimesOut() throws Exception {
    app("org-reset");
    svix.getMessage().create("org-reset", new MessageIn().eventType("t").eventId("r-1").payload("{}"));
    standIn.failAll(500, "/nothing-matches");
    standIn.reset();
    assertThat(standIn.apps()).isEmpty();
    assertThat(standIn.allMessages()).isEmpty();
    assertThat(standIn.requests()).isEmpty();
    assertThat(standIn.messageCreateRequests("r-1")).isZero();
    assertThatThrownBy(() -> block(standIn.awaitMessages("org-reset", 1, Duration.ofMillis(50)), WAIT))
      .hasMessageContaining("condition not met");
  }
}
