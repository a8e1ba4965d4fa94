package io.daytona.webhooks.svix;

import io.daytona.webhooks.events.EventCatalog;
import io.daytona.webhooks.events.EventTypes;
import io.daytona.webhooks.testsupport.Eventually;
import io.daytona.webhooks.testsupport.svix.SvixRecords.DeliveryAttempt;
import io.daytona.webhooks.testsupport.svix.SvixRecords.RecordedRequest;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredEndpoint;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static io.daytona.webhooks.svix.SvixEndpointsTest.assertProblem;
import static io.daytona.webhooks.svix.SvixTestKit.await;
import static io.daytona.webhooks.svix.SvixTestKit.newOrg;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPEC's "Delivery visibility and control" over real HTTP, through the Svix provider and the real SDK to the
 * stand-in, which delivers to a receiver of this test (its {@code /ok/*} paths answer 200, {@code /fail/*} 500).
 */
class SvixVisibilityTest {

  private static SvixTestKit kit;
  private static HttpServer receiver;
  /** Bodies the receiver got, by path. */
  private static final List<Map.Entry<String, String>> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    kit = SvixTestKit.withStandIn(Map.of("SVIX_TIMEOUT_MS", "3000", "SVIX_HEALTH_INTERVAL_MS", "200",
      "OUTBOX_POLL_INTERVAL_MS", "50", "OUTBOX_BACKOFF_BASE_MS", "50", "OUTBOX_BACKOFF_MAX_MS", "200"));
    receiver = await(kit.outside.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      received.add(Map.entry(req.path(), body.toString()));
      req.response().setStatusCode(req.path().startsWith("/fail/") ? 500 : 200).end("answer of " + req.path());
    })).listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    kit.close();
  }

  @BeforeEach
  void heal() {
    await(kit.standIn.heal());
  }

  private static String hook(String path) {
    return "http://127.0.0.1:" + receiver.actualPort() + path;
  }

  private static String endpoint(String org, String url, String... types) {
    JsonObject body = new JsonObject().put("url", url);
    if (types.length > 0) {
      body.put("eventTypes", new JsonArray(List.of(types)));
    }
    HttpResponse<Buffer> r = kit.createEndpoint(org, body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("id");
  }

  private static HttpResponse<Buffer> call(HttpMethod method, String org, String path, JsonObject body) {
    return kit.http(method, "/organizations/" + org + path, org, body);
  }

  private static List<String> pointers(HttpResponse<Buffer> r) {
    assertProblem(r, 400);
    List<String> out = new ArrayList<>();
    r.bodyAsJsonObject().getJsonArray("errors").forEach(e -> out.add(((JsonObject) e).getString("pointer")));
    return out;
  }

  /** Every page of a listing ({@code path} with its query, without limit/iterator), {@code limit} at a time. */
  private static List<JsonObject> allPages(String org, String path, int limit, List<Integer> sizes) {
    List<JsonObject> items = new ArrayList<>();
    String iterator = null;
    boolean done = false;
    while (!done) {
      String sep = path.contains("?") ? "&" : "?";
      HttpResponse<Buffer> r = call(HttpMethod.GET, org, path + sep + "limit=" + limit
        + (iterator == null ? "" : "&iterator=" + URLEncoder.encode(iterator, StandardCharsets.UTF_8)), null);
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      JsonObject page = r.bodyAsJsonObject();
      done = page.getBoolean("done");
      iterator = page.getString("iterator");
      assertThat(iterator == null).as("iterator null exactly when done").isEqualTo(done);
      JsonArray data = page.getJsonArray("data");
      assertThat(data.size()).isLessThanOrEqualTo(limit);
      sizes.add(data.size());
      data.forEach(d -> items.add((JsonObject) d));
      assertThat(sizes.size()).as("pages").isLessThan(20);
    }
    return items;
  }

  /** Sends a custom webhook through /send; answers its eventId. */
  private static String send(String org, String type, String eventId, JsonObject payload) {
    HttpResponse<Buffer> r = call(HttpMethod.POST, org, "/send", new JsonObject().put("eventType", type)
      .put("eventId", eventId).put("payload", payload));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    return eventId;
  }

  // ------------------------------------------------------------------ endpoints

  @Test
  void getAndPatchAnEndpointByIdOrUidAndOnlyInItsOwnOrganization() {
    String org = newOrg();
    String other = newOrg();
    List<JsonObject> events = kit.listen(org);
    String id = endpoint(org, hook("/ok/a"), "sandbox.created");
    String theirs = endpoint(other, hook("/ok/theirs"));

    HttpResponse<Buffer> got = call(HttpMethod.GET, org, "/endpoints/" + id, null);
    assertThat(got.statusCode()).as(got.bodyAsString()).isEqualTo(200);
    assertThat(got.bodyAsJsonObject().getString("url")).isEqualTo(hook("/ok/a"));
    assertThat(got.bodyAsJsonObject().getJsonArray("eventTypes")).containsExactly("sandbox.created");
    assertProblem(call(HttpMethod.GET, org, "/endpoints/" + theirs, null), 404);
    assertProblem(call(HttpMethod.GET, org, "/endpoints/ep_nosuchendpoint", null), 404);

    HttpResponse<Buffer> patched = call(HttpMethod.PATCH, org, "/endpoints/" + id, new JsonObject()
      .put("description", "patched").put("disabled", true).put("eventTypes", new JsonArray().add("custom.patched-in")));
    assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
    JsonObject ep = patched.bodyAsJsonObject();
    assertThat(ep.getString("description")).isEqualTo("patched");
    assertThat(ep.getBoolean("disabled")).isTrue();
    assertThat(ep.getJsonArray("eventTypes")).containsExactly("custom.patched-in");
    assertThat(ep.getString("url")).as("not given, unchanged").isEqualTo(hook("/ok/a"));
    StoredEndpoint stored = kit.standIn.endpoints(org).get(0);
    assertThat(stored.disabled()).isTrue();
    assertThat(stored.description()).isEqualTo("patched");
    assertThat(kit.standIn.eventType("custom.patched-in")).as("registered before the endpoint filters on it").isPresent();

    // eventTypes null: every type; url changed
    HttpResponse<Buffer> every = call(HttpMethod.PATCH, org, "/endpoints/" + id, new JsonObject()
      .putNull("eventTypes").put("url", hook("/ok/b")));
    assertThat(every.statusCode()).as(every.bodyAsString()).isEqualTo(200);
    assertThat(every.bodyAsJsonObject().getValue("eventTypes")).isNull();
    assertThat(every.bodyAsJsonObject().getString("url")).isEqualTo(hook("/ok/b"));
    assertThat(kit.standIn.endpoints(org).get(0).filterTypes()).isNull();

    // announced as this service's own change
    kit.until(() -> events.stream().filter(e -> "endpoint.updated".equals(e.getString("type"))).count() >= 2);
    assertThat(events).filteredOn(e -> "endpoint.updated".equals(e.getString("type")))
      .allSatisfy(e -> assertThat(e.getJsonObject("data").getString("id")).isEqualTo(id));

    assertThat(pointers(call(HttpMethod.PATCH, org, "/endpoints/" + id, new JsonObject()
      .put("url", "ftp://example.test/x").put("colour", "red").put("disabled", "yes"))))
      .containsExactlyInAnyOrder("/url", "/colour", "/disabled");
    assertProblem(call(HttpMethod.PATCH, org, "/endpoints/" + theirs, new JsonObject().put("description", "mine now")), 404);
    assertThat(kit.standIn.endpoints(other).get(0).description()).isEmpty();

    // the custom type an endpoint names is in the catalog
    assertThat(eventTypeNames()).contains("custom.patched-in");
  }

  @Test
  void rotatedSecretIsTheOneShownAndBadKeysAreNamed() {
    String org = newOrg();
    String other = newOrg();
    String id = endpoint(org, hook("/ok/secret"));
    String theirs = endpoint(other, hook("/ok/secret-theirs"));
    List<JsonObject> events = kit.listen(org);

    HttpResponse<Buffer> first = call(HttpMethod.GET, org, "/endpoints/" + id + "/secret", null);
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    String before = first.bodyAsJsonObject().getString("key");
    assertThat(before).startsWith("whsec_");

    String mine = "whsec_" + Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
      13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
    HttpResponse<Buffer> rotated = call(HttpMethod.POST, org, "/endpoints/" + id + "/secret/rotate",
      new JsonObject().put("key", mine));
    assertThat(rotated.statusCode()).as(rotated.bodyAsString()).isEqualTo(204);
    assertThat(call(HttpMethod.GET, org, "/endpoints/" + id + "/secret", null).bodyAsJsonObject().getString("key"))
      .isEqualTo(mine);

    // no body: generated
    HttpResponse<Buffer> generated = call(HttpMethod.POST, org, "/endpoints/" + id + "/secret/rotate", null);
    assertThat(generated.statusCode()).as(generated.bodyAsString()).isEqualTo(204);
    String now = call(HttpMethod.GET, org, "/endpoints/" + id + "/secret", null).bodyAsJsonObject().getString("key");
    assertThat(now).startsWith("whsec_").isNotEqualTo(mine).isNotEqualTo(before);
    kit.until(() -> events.stream().anyMatch(e -> "endpoint.updated".equals(e.getString("type"))));

    // 20 bytes: too short for the pattern; 65 bytes: fits the pattern, too many bytes; not base64
    String short20 = "whsec_" + Base64.getEncoder().encodeToString(new byte[20]);
    String long65 = "whsec_" + Base64.getEncoder().encodeToString(new byte[65]);
    for (String bad : List.of(short20, long65, "whsec_" + "!".repeat(40), "sk_" + "A".repeat(40))) {
      assertThat(pointers(call(HttpMethod.POST, org, "/endpoints/" + id + "/secret/rotate",
        new JsonObject().put("key", bad)))).as(bad).containsExactly("/key");
    }
    assertThat(call(HttpMethod.GET, org, "/endpoints/" + id + "/secret", null).bodyAsJsonObject().getString("key"))
      .as("a refused key changes nothing").isEqualTo(now);

    assertProblem(call(HttpMethod.GET, org, "/endpoints/" + theirs + "/secret", null), 404);
    assertProblem(call(HttpMethod.POST, org, "/endpoints/" + theirs + "/secret/rotate", null), 404);
  }

  @Test
  void aTestEventCarriesTheCatalogExampleToThatEndpointOnly() {
    String org = newOrg();
    String other = newOrg();
    String id = endpoint(org, hook("/ok/test-" + org), "volume.created", "custom.zzz");
    endpoint(org, hook("/ok/bystander-" + org));
    String theirs = endpoint(other, hook("/ok/test-theirs"));

    // no body: the endpoint's first platform type
    HttpResponse<Buffer> r = call(HttpMethod.POST, org, "/endpoints/" + id + "/test", null);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    assertThat(r.bodyAsJsonObject().getString("eventType")).isEqualTo("volume.created");
    String messageId = r.bodyAsJsonObject().getString("messageId");
    assertThat(messageId).startsWith("msg_");
    kit.until(() -> received.stream().anyMatch(e -> e.getKey().equals("/ok/test-" + org)));
    JsonObject delivered = new JsonObject(received.stream().filter(e -> e.getKey().equals("/ok/test-" + org))
      .findFirst().orElseThrow().getValue());
    assertThat(delivered).isEqualTo(EventCatalog.platformType("volume.created").orElseThrow().example());

    HttpResponse<Buffer> named = call(HttpMethod.POST, org, "/endpoints/" + id + "/test",
      new JsonObject().put("eventType", "snapshot.removed"));
    assertThat(named.statusCode()).as(named.bodyAsString()).isEqualTo(202);
    assertThat(named.bodyAsJsonObject().getString("eventType")).isEqualTo("snapshot.removed");
    kit.until(() -> received.stream().filter(e -> e.getKey().equals("/ok/test-" + org)).count() == 2);
    assertThat(received).noneMatch(e -> e.getKey().equals("/ok/bystander-" + org));

    HttpResponse<Buffer> message = call(HttpMethod.GET, org, "/messages/" + messageId, null);
    assertThat(message.statusCode()).as(message.bodyAsString()).isEqualTo(200);
    assertThat(message.bodyAsJsonObject().getString("eventType")).isEqualTo("volume.created");

    assertThat(pointers(call(HttpMethod.POST, org, "/endpoints/" + id + "/test",
      new JsonObject().put("eventType", "custom.zzz")))).containsExactly("/eventType");
    assertThat(pointers(call(HttpMethod.POST, org, "/endpoints/" + id + "/test",
      new JsonObject().put("eventType", "not a type")))).containsExactly("/eventType");
    assertProblem(call(HttpMethod.POST, org, "/endpoints/" + theirs + "/test", null), 404);
  }

  @Test
  void recoverAttemptsFailedDeliveriesAgainWithinFourteenDays() {
    String org = newOrg();
    String other = newOrg();
    String failing = endpoint(org, hook("/fail/recover-" + org));
    String theirs = endpoint(other, hook("/ok/recover-theirs"));
    send(org, "custom.recover", "evt-recover-1", new JsonObject().put("n", 1));
    kit.until(() -> attemptsTo(failing) == 1);

    Instant since = Instant.now().minus(Duration.ofHours(1));
    HttpResponse<Buffer> r = call(HttpMethod.POST, org, "/endpoints/" + failing + "/recover",
      new JsonObject().put("since", since.toString()));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
    assertThat(Instant.parse(r.bodyAsJsonObject().getString("since"))).isEqualTo(since);
    assertThat(Instant.parse(r.bodyAsJsonObject().getString("until"))).isAfter(since);
    kit.until(() -> attemptsTo(failing) == 2);
    RecordedRequest recover = kit.standIn.requests().stream()
      .filter(q -> q.path().endsWith("/endpoint/" + failing + "/recover")).findFirst().orElseThrow();
    assertThat(Instant.parse(new JsonObject(recover.body()).getString("since"))).isEqualTo(since);

    Instant until = Instant.now().plusSeconds(60);
    HttpResponse<Buffer> windowed = call(HttpMethod.POST, org, "/endpoints/" + failing + "/recover",
      new JsonObject().put("since", since.toString()).put("until", until.toString()));
    assertThat(windowed.statusCode()).as(windowed.bodyAsString()).isEqualTo(202);
    assertThat(Instant.parse(windowed.bodyAsJsonObject().getString("until"))).isEqualTo(until);

    String fifteenDays = Instant.now().minus(Duration.ofDays(15)).toString();
    assertThat(pointers(call(HttpMethod.POST, org, "/endpoints/" + failing + "/recover",
      new JsonObject().put("since", fifteenDays)))).containsExactly("/since");
    assertThat(pointers(call(HttpMethod.POST, org, "/endpoints/" + failing + "/recover",
      new JsonObject().put("since", "yesterday")))).containsExactly("/since");
    assertThat(pointers(call(HttpMethod.POST, org, "/endpoints/" + failing + "/recover", new JsonObject())))
      .containsExactly("/since");
    assertThat(pointers(call(HttpMethod.POST, org, "/endpoints/" + failing + "/recover", new JsonObject()
      .put("since", since.toString()).put("until", since.minusSeconds(1).toString())))).containsExactly("/until");
    assertProblem(call(HttpMethod.POST, org, "/endpoints/" + theirs + "/recover",
      new JsonObject().put("since", since.toString())), 404);
  }

  private static long attemptsTo(String endpointId) {
    return kit.standIn.deliveryAttempts().stream().filter(a -> a.endpointId().equals(endpointId)).count();
  }

  @Test
  void endpointAttemptsPageNewestFirstAndFilterByStatus() {
    String org = newOrg();
    String other = newOrg();
    String ok = endpoint(org, hook("/ok/attempts-" + org), "custom.ok");
    String failing = endpoint(org, hook("/fail/attempts-" + org), "custom.fail");
    String theirs = endpoint(other, hook("/ok/attempts-theirs"));
    for (int i = 0; i < 3; i++) {
      send(org, "custom.ok", "evt-ok-" + i, new JsonObject().put("i", i));
    }
    send(org, "custom.fail", "evt-fail-0", new JsonObject());
    kit.until(() -> attemptsTo(ok) == 3 && attemptsTo(failing) == 1);

    List<Integer> sizes = new ArrayList<>();
    List<JsonObject> all = allPages(org, "/endpoints/" + ok + "/attempts", 2, sizes);
    assertThat(sizes).containsExactly(2, 1);
    assertThat(all).hasSize(3).allSatisfy(a -> {
      assertThat(a.fieldNames()).contains("id", "messageId", "endpointId", "url", "status", "responseStatusCode",
        "response", "durationMs", "trigger", "timestamp");
      assertThat(a.getString("endpointId")).isEqualTo(ok);
      assertThat(a.getString("status")).isEqualTo("success");
      assertThat(a.getInteger("responseStatusCode")).isEqualTo(200);
      assertThat(a.getString("trigger")).isEqualTo("scheduled");
    });
    assertThat(all).extracting(a -> a.getString("id")).doesNotHaveDuplicates();
    List<Instant> times = all.stream().map(a -> Instant.parse(a.getString("timestamp"))).toList();
    assertThat(times).isSortedAccordingTo((a, b) -> b.compareTo(a));

    JsonArray failed = call(HttpMethod.GET, org, "/endpoints/" + failing + "/attempts?status=failed", null)
      .bodyAsJsonObject().getJsonArray("data");
    assertThat(failed).hasSize(1);
    assertThat(failed.getJsonObject(0).getInteger("responseStatusCode")).isEqualTo(500);
    assertThat(call(HttpMethod.GET, org, "/endpoints/" + failing + "/attempts?status=success", null)
      .bodyAsJsonObject().getJsonArray("data")).isEmpty();

    assertThat(pointers(call(HttpMethod.GET, org, "/endpoints/" + ok + "/attempts?status=done", null)))
      .containsExactly("/query/status");
    assertThat(pointers(call(HttpMethod.GET, org, "/endpoints/" + ok + "/attempts?limit=251", null)))
      .containsExactly("/query/limit");
    assertThat(pointers(call(HttpMethod.GET, org, "/endpoints/" + ok + "/attempts?limit=0", null)))
      .containsExactly("/query/limit");
    assertProblem(call(HttpMethod.GET, org, "/endpoints/" + theirs + "/attempts", null), 404);
  }

  // ------------------------------------------------------------------ messages

  @Test
  void messagesPageNewestFirstFilterAndResendMakesAManualAttempt() {
    String org = newOrg();
    String other = newOrg();
    String ep = endpoint(org, hook("/ok/messages-" + org));
    String theirEp = endpoint(other, hook("/ok/messages-theirs"));
    send(other, "custom.theirs", "evt-theirs", new JsonObject());
    for (int i = 0; i < 5; i++) {
      send(org, i % 2 == 0 ? "custom.even" : "custom.odd", "evt-m-" + i, new JsonObject().put("i", i));
    }
    kit.until(() -> kit.standIn.messages(org).size() == 5 && kit.standIn.messages(other).size() == 1
      && attemptsTo(ep) == 5);

    List<Integer> sizes = new ArrayList<>();
    List<JsonObject> all = allPages(org, "/messages", 2, sizes);
    assertThat(sizes).containsExactly(2, 2, 1);
    assertThat(all).extracting(m -> m.getString("eventId"))
      .containsExactly("evt-m-4", "evt-m-3", "evt-m-2", "evt-m-1", "evt-m-0");
    assertThat(all.get(0).getJsonObject("payload")).isEqualTo(new JsonObject().put("i", 4));
    assertThat(all.get(0).fieldNames()).contains("id", "eventId", "eventType", "payload", "createdAt");

    List<JsonObject> even = allPages(org, "/messages?eventType=custom.even", 2, new ArrayList<>());
    assertThat(even).extracting(m -> m.getString("eventId")).containsExactly("evt-m-4", "evt-m-2", "evt-m-0");

    String future = Instant.now().plusSeconds(3600).toString();
    String past = Instant.now().minusSeconds(3600).toString();
    assertThat(allPages(org, "/messages?after=" + future, 10, new ArrayList<>())).isEmpty();
    assertThat(allPages(org, "/messages?before=" + future + "&after=" + past, 10, new ArrayList<>())).hasSize(5);
    assertThat(allPages(org, "/messages?before=" + past, 10, new ArrayList<>())).isEmpty();
    assertThat(pointers(call(HttpMethod.GET, org, "/messages?before=tomorrow", null))).containsExactly("/query/before");
    assertThat(pointers(call(HttpMethod.GET, org, "/messages?eventType=bad%20type", null)))
      .containsExactly("/query/eventType");

    // one message by id and by eventId; another organization's is not found
    JsonObject newest = all.get(0);
    HttpResponse<Buffer> byId = call(HttpMethod.GET, org, "/messages/" + newest.getString("id"), null);
    assertThat(byId.statusCode()).as(byId.bodyAsString()).isEqualTo(200);
    assertThat(byId.bodyAsJsonObject()).isEqualTo(newest);
    assertThat(call(HttpMethod.GET, org, "/messages/evt-m-4", null).bodyAsJsonObject().getString("id"))
      .isEqualTo(newest.getString("id"));
    String theirMessage = kit.standIn.messages(other).get(0).id();
    assertProblem(call(HttpMethod.GET, org, "/messages/" + theirMessage, null), 404);
    assertProblem(call(HttpMethod.GET, org, "/messages/evt-theirs", null), 404);

    // attempts of one message
    HttpResponse<Buffer> attempts = call(HttpMethod.GET, org, "/messages/evt-m-4/attempts", null);
    assertThat(attempts.statusCode()).as(attempts.bodyAsString()).isEqualTo(200);
    JsonArray data = attempts.bodyAsJsonObject().getJsonArray("data");
    assertThat(data).hasSize(1);
    assertThat(data.getJsonObject(0).getString("messageId")).isEqualTo(newest.getString("id"));
    assertThat(data.getJsonObject(0).getString("endpointId")).isEqualTo(ep);
    assertProblem(call(HttpMethod.GET, org, "/messages/" + theirMessage + "/attempts", null), 404);

    // resend: one more attempt, manual
    HttpResponse<Buffer> resent = call(HttpMethod.POST, org, "/messages/" + newest.getString("id") + "/endpoints/" + ep
      + "/resend", null);
    assertThat(resent.statusCode()).as(resent.bodyAsString()).isEqualTo(202);
    kit.until(() -> kit.standIn.deliveryAttempts().stream()
      .filter(a -> a.msgId().equals(newest.getString("id"))).count() == 2);
    DeliveryAttempt manual = kit.standIn.deliveryAttempts().stream()
      .filter(a -> a.msgId().equals(newest.getString("id")) && a.triggerType() == 1).findFirst().orElseThrow();
    assertThat(manual.endpointId()).isEqualTo(ep);
    JsonArray after = call(HttpMethod.GET, org, "/messages/" + newest.getString("id") + "/attempts", null)
      .bodyAsJsonObject().getJsonArray("data");
    assertThat(after).hasSize(2);
    assertThat(after.stream().map(a -> ((JsonObject) a).getString("trigger")))
      .containsExactlyInAnyOrder("manual", "scheduled");

    assertProblem(call(HttpMethod.POST, org, "/messages/" + newest.getString("id") + "/endpoints/" + theirEp
      + "/resend", null), 404);
    assertProblem(call(HttpMethod.POST, org, "/messages/" + theirMessage + "/endpoints/" + ep + "/resend", null), 404);
  }

  // ------------------------------------------------------------------ the outbox's own view

  @Test
  void aRejectedEventIsListedThenRetriedAndDelivered() {
    String org = newOrg();
    String other = newOrg();
    // Svix refuses this organization's messages as bad input: each row is rejected at once
    kit.standIn.failAll(400, "/app/" + org + "/msg$");
    for (int i = 0; i < 3; i++) {
      send(org, "custom.rejected", "evt-r-" + i, new JsonObject().put("i", i));
    }
    eventually(() -> outboxEvents(org, "?status=rejected").size() == 3);

    List<Integer> sizes = new ArrayList<>();
    List<JsonObject> listed = allPages(org, "/events", 2, sizes);
    assertThat(sizes).containsExactly(2, 1);
    assertThat(listed).extracting(e -> e.getString("eventId")).containsExactly("evt-r-2", "evt-r-1", "evt-r-0");
    assertThat(listed).allSatisfy(e -> {
      assertThat(e.getString("status")).isEqualTo("rejected");
      assertThat(e.getString("eventType")).isEqualTo("custom.rejected");
      assertThat(e.getString("reason")).isNotBlank();
      assertThat(e.getInteger("attempts")).isEqualTo(1);
      assertThat(e.getValue("nextAttemptAt")).isNull();
      assertThat(Instant.parse(e.getString("createdAt"))).isBefore(Instant.now().plusSeconds(1));
    });
    assertThat(outboxEvents(org, "?status=queued")).isEmpty();
    assertThat(outboxEvents(other, "")).as("another organization sees none of it").isEmpty();

    assertProblem(call(HttpMethod.POST, org, "/events/evt-unknown/retry", null), 404);
    assertProblem(call(HttpMethod.POST, other, "/events/evt-r-0/retry", null), 404);

    await(kit.standIn.heal());
    HttpResponse<Buffer> retried = call(HttpMethod.POST, org, "/events/evt-r-0/retry", null);
    assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(202);
    assertThat(retried.bodyAsJsonObject().getString("status")).isEqualTo("queued");
    assertThat(retried.bodyAsJsonObject().getString("eventId")).isEqualTo("evt-r-0");
    kit.until(() -> kit.standIn.messages(org).stream().anyMatch(m -> "evt-r-0".equals(m.eventId())));
    assertThat(kit.standIn.messages(org).get(0).payload()).isEqualTo(new JsonObject().put("i", 0));
    eventually(() -> outboxEvents(org, "").size() == 2);
    assertThat(outboxEvents(org, "")).extracting(e -> e.getString("eventId")).containsExactly("evt-r-2", "evt-r-1");

    // sent now: not rejected any more
    assertProblem(call(HttpMethod.POST, org, "/events/evt-r-0/retry", null), 409);
    assertThat(pointers(call(HttpMethod.GET, org, "/events?status=sent", null))).containsExactly("/query/status");
    assertThat(pointers(call(HttpMethod.GET, org, "/events?iterator=nonsense", null))).containsExactly("/query/iterator");
  }

  @Test
  void aQueuedEventShowsItsAttemptsAndCannotBeRetried() {
    String org = newOrg();
    kit.standIn.failAll(503, "/app/" + org + "/msg$");
    send(org, "custom.queued", "evt-q-0", new JsonObject());
    eventually(() -> {
      List<JsonObject> list = outboxEvents(org, "");
      return list.size() == 1 && list.get(0).getInteger("attempts") >= 2;
    });
    JsonObject queued = outboxEvents(org, "?status=queued").get(0);
    assertThat(queued.getString("status")).isEqualTo("queued");
    assertThat(queued.getString("reason")).isNotBlank();
    assertThat(Instant.parse(queued.getString("nextAttemptAt"))).isNotNull();
    assertThat(outboxEvents(org, "?status=rejected")).isEmpty();
    assertProblem(call(HttpMethod.POST, org, "/events/evt-q-0/retry", null), 409);

    await(kit.standIn.heal());
    eventually(() -> outboxEvents(org, "").isEmpty());
    assertThat(kit.standIn.messagesCreated("evt-q-0")).isEqualTo(1);
  }

  /** Polls {@code condition} on the test thread (it calls the REST API, which the stand-in's loop must not wait on). */
  private static void eventually(java.util.function.BooleanSupplier condition) {
    Eventually.eventually(condition, SvixTestKit.WAIT);
  }

  private static List<JsonObject> outboxEvents(String org, String query) {
    HttpResponse<Buffer> r = call(HttpMethod.GET, org, "/events" + query, null);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    List<JsonObject> out = new ArrayList<>();
    r.bodyAsJsonObject().getJsonArray("data").forEach(e -> out.add((JsonObject) e));
    return out;
  }

  // ------------------------------------------------------------------ the event catalog

  @Test
  void theCatalogHasElevenPlatformTypesWithValidExamplesThenTheCustomTypesInUse() {
    String org = newOrg();
    send(org, "custom.catalog-sent", "evt-catalog", new JsonObject());
    endpoint(org, hook("/ok/catalog"), "custom.catalog-filtered");

    HttpResponse<Buffer> r = kit.http(HttpMethod.GET, "/event-types", org, null);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonArray types = r.bodyAsJsonArray();
    List<JsonObject> platform = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      platform.add(types.getJsonObject(i));
    }
    assertThat(platform).extracting(t -> t.getString("name")).containsExactlyElementsOf(EventTypes.PLATFORM.keySet());
    for (JsonObject t : platform) {
      JsonObject schema = t.getJsonObject("schema");
      assertThat(schema.getString("$schema")).isEqualTo("https://json-schema.org/draft/2020-12/schema");
      assertThat(t.getString("description")).isEqualTo(EventTypes.PLATFORM.get(t.getString("name")));
      assertThat(schema.getJsonArray("required")).contains("id", "organizationId", "createdAt");
      OutputUnit result = Validator.create(JsonSchema.of(schema), new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
        .setBaseUri("https://webhooks.test/")).validate(t.getJsonObject("example"));
      assertThat(result.getValid()).as(t.getString("name") + " example: " + result.getErrors()).isTrue();
      OutputUnit bad = Validator.create(JsonSchema.of(schema), new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
        .setBaseUri("https://webhooks.test/")).validate(new JsonObject().put("id", 1));
      assertThat(bad.getValid()).as("the schema can fail").isFalse();
    }
    List<String> custom = types.stream().skip(11).map(t -> ((JsonObject) t).getString("name")).toList();
    assertThat(custom).contains("custom.catalog-sent", "custom.catalog-filtered").isSorted()
      .noneMatch(EventTypes.PLATFORM::containsKey);
    assertThat(types.stream().skip(11).map(t -> (JsonObject) t))
      .allSatisfy(t -> assertThat(t.getValue("schema")).isNull());

    // with Svix, each platform type's schema (and its example) is on Svix's event type
    kit.until(() -> EventTypes.PLATFORM.keySet().stream().allMatch(n -> kit.standIn.eventType(n)
      .map(t -> t.schemas() != null).orElse(false)));
    JsonObject onSvix = kit.standIn.eventType("sandbox.created").orElseThrow().schemas().getJsonObject("1");
    assertThat(onSvix.getJsonObject("properties").fieldNames()).contains("id", "organizationId", "state", "class");
    assertThat(onSvix.getJsonArray("examples").getJsonObject(0))
      .isEqualTo(EventCatalog.platformType("sandbox.created").orElseThrow().example());
  }

  private static List<String> eventTypeNames() {
    HttpResponse<Buffer> r = kit.http(HttpMethod.GET, "/event-types", newOrg(), null);
    assertThat(r.statusCode()).isEqualTo(200);
    Function<Object, String> name = t -> ((JsonObject) t).getString("name");
    return r.bodyAsJsonArray().stream().map(name).toList();
  }

  @Test
  void statusIsForAdminsOnly() {
    HttpResponse<Buffer> r = kit.http(HttpMethod.GET, "/status", newOrg(), null);
    assertProblem(r, 403);
    assertThat(kit.status().getString("provider")).isEqualTo("svix");
  }
}
