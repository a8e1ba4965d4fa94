package io.daytona.webhooks.events;

import static io.daytona.webhooks.testsupport.Eventually.eventually;
import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredMessage;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Platform events on the bus (send, publish, request) and custom webhooks ({@code POST …/send}) through
 * the outbox to the Svix stand-in: what is acknowledged is committed and reaches Svix once; what is bad is
 * dead-lettered with a failure reply naming the field.
 */
@ExtendWith(VertxExtension.class)
class PlatformEventsTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private SvixStandIn standIn;
  private WebhookService service;
  private String databaseUrl;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void setUp(Vertx vertx) {
    standIn = block(new SvixStandIn(vertx).deliveryEnabled(false).start(), WAIT);
    databaseUrl = TestDatabase.freshDatabaseUrl();
    Map<String, Object> config = new HashMap<>();
    config.put("DATABASE_URL", databaseUrl);
    config.put("SVIX_AUTH_TOKEN", standIn.token());
    config.put("SVIX_SERVER_URL", standIn.serverUrl());
    config.put("OUTBOX_POLL_INTERVAL_MS", "100");
    config.put("OUTBOX_BACKOFF_BASE_MS", "50");
    config.put("OUTBOX_BACKOFF_MAX_MS", "500");
    service = block(TestService.start(config), WAIT);
  }

  @AfterEach
  void tearDown() {
    if (service != null) {
      block(service.stop(), WAIT);
    }
    block(standIn.stop(), WAIT);
  }

  private Vertx bus() {
    return service.vertx();
  }

  private JsonObject request(String address, Object body, DeliveryOptions options) {
    Message<JsonObject> reply = block(bus().eventBus().request(address, body, options), WAIT);
    return reply.body();
  }

  /** Creates the organization's Svix application, so that each message create is one request (no 404 first). */
  private void ensureApp(String org) {
    block(service.context().provider().ensureApplication(org, null), WAIT);
  }

  private long count(String sql) throws Exception {
    try (Connection c = TestDatabase.connect(databaseUrl); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private StoredMessage awaitMessage(String eventId) {
    block(standIn.await(() -> standIn.messagesCreated(eventId) >= 1, WAIT), WAIT.plusSeconds(1));
    return standIn.allMessages().stream().filter(m -> eventId.equals(m.eventId())).findFirst().orElseThrow();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
      .header("Authorization", "Bearer " + TestTokens.admin(bus())).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String org, JsonObject body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port()
          + "/api/webhooks/organizations/" + org + "/send"))
        .header("Authorization", "Bearer " + TestTokens.user(bus(), "u1", org))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
      HttpResponse.BodyHandlers.ofString());
  }

  private double metric(String name) throws Exception {
    String text = get("/metrics").body();
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(text);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(2));
    }
    return sum;
  }

  @Test
  void requestIsAnsweredAfterCommitAndReachesSvixOnceWithCreatedAtAdded() throws Exception {
    ensureApp("org-req");
    JsonObject body = new JsonObject().put("id", "sb-1").put("organizationId", "org-req")
      .put("state", "started").put("class", "small").put("nested", new JsonObject().put("k", new JsonArray().add(1)));
    JsonObject reply = request("sandbox.created", body, new DeliveryOptions());

    String eventId = reply.getString("eventId");
    assertThat(reply.getString("status")).isEqualTo("queued");
    assertThat(eventId).matches("^[a-zA-Z0-9._-]{1,256}$");
    // acknowledged means committed: the row is there the moment the reply arrives
    assertThat(count("SELECT count(*) FROM event_outbox WHERE organization_id = 'org-req' AND event_id = '"
      + eventId + "'")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM organization_initializations WHERE organization_id = 'org-req'"))
      .isEqualTo(1);

    StoredMessage message = awaitMessage(eventId);
    assertThat(message.eventType()).isEqualTo("sandbox.created");
    assertThat(standIn.app("org-req")).isPresent();
    JsonObject payload = message.payload();
    assertThat(payload.getString("createdAt")).isNotBlank();
    java.time.Instant.parse(payload.getString("createdAt"));
    payload.remove("createdAt");
    assertThat(payload).isEqualTo(body);
    eventually(() -> {
      try {
        return count("SELECT count(*) FROM event_outbox_states WHERE state = 'sent'") == 1;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, WAIT);
    assertThat(standIn.messageCreateRequests(eventId)).isEqualTo(1);
    assertThat(metric("webhooks_outbox_sent_total")).isEqualTo(1.0);
    assertThat(metric("webhooks_outbox_delivery_latency_seconds_count")).isEqualTo(1.0);
  }

  @Test
  void sendAndPublishWithGivenEventIdsAreDelivered() {
    bus().eventBus().send("snapshot.removed", new JsonObject().put("id", "snap-1").put("name", "n")
      .put("organizationId", "org-sp").put("removedAt", "2024-01-01T00:00:00Z"),
      new DeliveryOptions().addHeader("eventId", "evt-header-1"));
    bus().eventBus().publish("volume.created", new JsonObject().put("id", "vol-1").put("organizationId", "org-sp")
      .put("eventId", "evt-body-1").put("createdAt", "2024-01-01T00:00:00Z"));

    StoredMessage sent = awaitMessage("evt-header-1");
    StoredMessage published = awaitMessage("evt-body-1");
    assertThat(sent.eventType()).isEqualTo("snapshot.removed");
    assertThat(sent.payload().getString("removedAt")).isEqualTo("2024-01-01T00:00:00Z");
    assertThat(published.eventType()).isEqualTo("volume.created");
    assertThat(published.payload().getString("createdAt")).isEqualTo("2024-01-01T00:00:00Z");
    assertThat(standIn.messagesCreated("evt-header-1")).isEqualTo(1);
    assertThat(standIn.messagesCreated("evt-body-1")).isEqualTo(1);
  }

  @Test
  void derivedEventIdIsStableSoARepublishedEventIsSentOnce() throws Exception {
    ensureApp("org-dup");
    JsonObject event = new JsonObject().put("id", "sb-9").put("organizationId", "org-dup")
      .put("oldState", "started").put("newState", "stopped").put("updatedAt", "2024-05-05T10:00:00Z");
    bus().eventBus().publish("sandbox.state.updated", event);
    bus().eventBus().send("sandbox.state.updated", event);
    JsonObject first = request("sandbox.state.updated", event, new DeliveryOptions());
    JsonObject second = request("sandbox.state.updated", event.copy(), new DeliveryOptions());
    assertThat(second.getString("eventId")).isEqualTo(first.getString("eventId"));
    assertThat(first.getBoolean("duplicate")).isTrue();

    // another state change of the same sandbox is another event
    JsonObject later = request("sandbox.state.updated", event.copy().put("updatedAt", "2024-05-05T10:00:01Z"),
      new DeliveryOptions());
    assertThat(later.getString("eventId")).isNotEqualTo(first.getString("eventId"));
    awaitMessage(later.getString("eventId"));
    awaitMessage(first.getString("eventId"));

    assertThat(standIn.messagesCreated(first.getString("eventId"))).isEqualTo(1);
    assertThat(standIn.messageCreateRequests(first.getString("eventId"))).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM event_outbox WHERE organization_id = 'org-dup'")).isEqualTo(2);
    assertThat(standIn.messages("org-dup")).extracting(StoredMessage::eventId)
      .containsExactly(first.getString("eventId"), later.getString("eventId"));
  }

  @Test
  void withoutATimestampTheEventIdComesFromTheCanonicalBodyNeverTheClock() throws Exception {
    ensureApp("org-nots");
    JsonObject event = new JsonObject().put("id", "sb-7").put("organizationId", "org-nots").put("state", "started")
      .put("labels", new JsonObject().put("b", 2).put("a", new JsonArray().add(new JsonObject().put("y", 1).put("x", 0))));
    // the same content, every object's keys in another order
    JsonObject reordered = new JsonObject().put("labels", new JsonObject()
        .put("a", new JsonArray().add(new JsonObject().put("x", 0).put("y", 1))).put("b", 2))
      .put("state", "started").put("organizationId", "org-nots").put("id", "sb-7");
    JsonObject first = request("sandbox.desired-state.updated", event, new DeliveryOptions());
    JsonObject again = request("sandbox.desired-state.updated", reordered, new DeliveryOptions());
    String eventId = first.getString("eventId");
    assertThat(eventId).matches("^[a-zA-Z0-9._-]{1,256}$").startsWith("sandbox.desired-state.updated_");
    assertThat(again.getString("eventId")).isEqualTo(eventId);
    assertThat(again.getBoolean("duplicate")).isTrue();

    // other content, another resource or another type: another event
    JsonObject otherState = request("sandbox.desired-state.updated", event.copy().put("state", "stopped"), new DeliveryOptions());
    JsonObject otherArrayOrder = request("sandbox.desired-state.updated", event.copy().put("labels", new JsonObject()
      .put("b", 2).put("a", new JsonArray().add(new JsonObject().put("y", 1).put("x", 0)).add(1))), new DeliveryOptions());
    JsonObject otherResource = request("sandbox.desired-state.updated", event.copy().put("id", "sb-8"), new DeliveryOptions());
    JsonObject otherType = request("sandbox.state.updated", event, new DeliveryOptions());
    assertThat(java.util.List.of(eventId, otherState.getString("eventId"), otherArrayOrder.getString("eventId"),
      otherResource.getString("eventId"), otherType.getString("eventId"))).doesNotHaveDuplicates();

    awaitMessage(eventId);
    assertThat(standIn.messagesCreated(eventId)).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM event_outbox WHERE organization_id = 'org-nots'")).isEqualTo(5);
  }

  @Test
  void badBodiesAreDeadLetteredWithAFailureNamingTheField() throws Exception {
    Object[][] cases = {
      {"hello", "body:"},
      {new JsonArray().add(1), "body:"},
      {new JsonObject().put("id", "a"), "organizationId:"},
      {new JsonObject().put("id", "a").put("organizationId", 42), "organizationId:"},
      {new JsonObject().put("id", "a").put("organizationId", "bad org!"), "organizationId:"},
      {new JsonObject().put("id", "a").put("organizationId", "."), "organizationId:"},
      {new JsonObject().put("id", "a").put("organizationId", ".."), "organizationId:"},
      {new JsonObject().put("id", "a").put("organizationId", "o".repeat(257)), "organizationId:"},
      {new JsonObject().put("organizationId", "o1"), "id:"},
      {new JsonObject().put("id", "a").put("organizationId", "o1").put("eventId", "has space"), "eventId:"},
    };
    for (Object[] c : cases) {
      ReplyException failure = catchThrowableOfType(ReplyException.class,
        () -> block(bus().eventBus().request("audit-log.created", c[0]), WAIT));
      assertThat(failure).as("reply to %s", c[1]).isNotNull();
      assertThat(failure.failureCode()).isEqualTo(400);
      assertThat(failure.getMessage()).startsWith((String) c[1]);
    }
    ReplyException badHeader = catchThrowableOfType(ReplyException.class,
      () -> block(bus().eventBus().request("audit-log.created", new JsonObject().put("id", "a").put("organizationId", "o1"),
        new DeliveryOptions().addHeader("eventId", "x".repeat(257))), WAIT));
    assertThat(badHeader.failureCode()).isEqualTo(400);
    assertThat(badHeader.getMessage()).startsWith("eventId header:");

    assertThat(count("SELECT count(*) FROM dead_letters WHERE address = 'audit-log.created'")).isEqualTo(cases.length + 1);
    assertThat(count("SELECT count(*) FROM dead_letters WHERE body = '\"hello\"' OR body = 'hello'")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM dead_letters WHERE headers->>'eventId' = '" + "x".repeat(257) + "'"))
      .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM dead_letters WHERE reason LIKE 'organizationId: must be a string%'"))
      .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM event_outbox")).isZero();

    // fire-and-forget: nobody to answer, still kept and counted
    bus().eventBus().publish("volume.state.updated", new JsonObject().put("id", "v"));
    bus().eventBus().send("volume.state.updated", "not json");
    eventually(() -> {
      try {
        return count("SELECT count(*) FROM dead_letters WHERE address = 'volume.state.updated'") == 2;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, WAIT);
    assertThat(count("SELECT count(*) FROM dead_letters WHERE address = 'volume.state.updated' "
      + "AND reason = 'organizationId: required' AND body = '{\"id\":\"v\"}'")).isEqualTo(1);
    assertThat(metric("webhooks_events_dead_lettered_total")).isEqualTo(cases.length + 3);
  }

  @Test
  void organizationCreatedWithABadIdIsDeadLetteredAndNothingIsRecorded() throws Exception {
    for (String id : new String[] {".", "..", "", "a/b", "o".repeat(257)}) {
      ReplyException failure = catchThrowableOfType(ReplyException.class,
        () -> block(bus().eventBus().request("organization.created", new JsonObject().put("id", id).put("name", "n")), WAIT));
      assertThat(failure).as(id).isNotNull();
      assertThat(failure.failureCode()).as(id).isEqualTo(400);
      assertThat(failure.getMessage()).as(id).contains("/id");
    }
    assertThat(count("SELECT count(*) FROM dead_letters WHERE address = 'organization.created'")).isEqualTo(5);
    assertThat(count("SELECT count(*) FROM organization_initializations")).isZero();
    assertThat(standIn.app(".")).isEmpty();
    assertThat(standIn.app("..")).isEmpty();
  }

  @Test
  void bodiesOverMaxPayloadBytesAre413AndDeadLettered() throws Exception {
    int max = 262_144; // the default MAX_PAYLOAD_BYTES
    JsonObject fits = new JsonObject().put("id", "a").put("organizationId", "o-big").put("createdAt", "2024-01-01T00:00:00Z");
    fits.put("blob", "x".repeat(max - fits.encode().length() - 20));
    assertThat(request("audit-log.created", fits, new DeliveryOptions()).getString("status")).isEqualTo("queued");

    JsonObject over = fits.copy().put("blob", "x".repeat(max));
    for (Object body : new Object[] {over, over.encode()}) {
      ReplyException failure = catchThrowableOfType(ReplyException.class,
        () -> block(bus().eventBus().request("audit-log.created", body), WAIT));
      assertThat(failure).isNotNull();
      assertThat(failure.failureCode()).isEqualTo(413);
      assertThat(failure.getMessage()).startsWith("body:").contains("MAX_PAYLOAD_BYTES");
    }
    ReplyException organization = catchThrowableOfType(ReplyException.class,
      () -> block(bus().eventBus().request("organization.created",
        new JsonObject().put("id", "o-big").put("name", "x".repeat(max))), WAIT));
    assertThat(organization.failureCode()).isEqualTo(413);

    assertThat(count("SELECT count(*) FROM dead_letters WHERE address = 'audit-log.created' "
      + "AND reason LIKE 'body: larger than MAX_PAYLOAD_BYTES%'")).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM dead_letters WHERE address = 'organization.created'")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM event_outbox WHERE organization_id = 'o-big'")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM organization_initializations WHERE name IS NOT NULL")).isZero();
  }

  @Test
  void customWebhookIsAcceptedOnceAndDuplicatesSendNothing() throws Exception {
    ensureApp("org-send");
    ensureApp("org-other");
    JsonObject body = new JsonObject().put("eventType", "invoice.paid").put("eventId", "inv-1")
      .put("payload", new JsonObject().put("amount", 10));
    HttpResponse<String> first = send("org-send", body);
    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(new JsonObject(first.body())).isEqualTo(new JsonObject().put("eventId", "inv-1")
      .put("eventType", "invoice.paid").put("organizationId", "org-send").put("status", "queued").put("duplicate", false));

    StoredMessage message = awaitMessage("inv-1");
    assertThat(message.payload()).isEqualTo(new JsonObject().put("amount", 10));
    assertThat(standIn.eventType("invoice.paid")).isPresent();

    HttpResponse<String> again = send("org-send", body);
    assertThat(again.statusCode()).isEqualTo(202);
    JsonObject dup = new JsonObject(again.body());
    assertThat(dup.getBoolean("duplicate")).isTrue();
    assertThat(dup.getString("eventId")).isEqualTo("inv-1");

    // the same eventId in another organization is another event
    assertThat(new JsonObject(send("org-other", body).body()).getBoolean("duplicate")).isFalse();

    // without eventId one is generated; a later event of the org is delivered after the duplicate was refused
    HttpResponse<String> generated = send("org-send", new JsonObject().put("eventType", "invoice.paid")
      .put("payload", new JsonObject()));
    String generatedId = new JsonObject(generated.body()).getString("eventId");
    assertThat(generatedId).matches("^[a-zA-Z0-9._-]{1,256}$");
    awaitMessage(generatedId);
    block(standIn.await(() -> standIn.messages("org-other").size() == 1, WAIT), WAIT);

    assertThat(standIn.messages("org-send")).extracting(StoredMessage::eventId).containsExactly("inv-1", generatedId);
    assertThat(standIn.messageCreateRequests("inv-1")).isEqualTo(2); // once per organization
    assertThat(count("SELECT count(*) FROM event_outbox WHERE organization_id = 'org-send'")).isEqualTo(2);

    // bad input never reaches the outbox
    assertThat(send("org-send", new JsonObject().put("eventType", "bad type!").put("payload", new JsonObject()))
      .statusCode()).isEqualTo(400);
    assertThat(send("org-send", new JsonObject().put("eventType", "a.b").put("payload", new JsonArray()))
      .statusCode()).isEqualTo(400);
    assertThat(send("org-send", new JsonObject().put("eventType", "a.b").put("payload", new JsonObject())
      .put("eventId", "no spaces")).statusCode()).isEqualTo(400);
    assertThat(metric("webhooks_outbox_accepted_total")).isEqualTo(3.0);
  }



}
