package io.daytona.webhooks.realtime;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixRecords.OperationalWebhookSent;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.daytona.webhooks.provider.Endpoint;
import io.daytona.webhooks.provider.EndpointSpec;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One endpoint change, one real-time event: an endpoint created, updated or deleted through this
 * service is published by the Svix verticle, and the operational webhook that the Svix stand-in
 * then sends for the same change (answered 204) publishes nothing more. Changes this service did
 * not make, Svix's own {@code endpoint.disabled}, and a second report of an already-claimed change
 * are still published.
 */
class OperationalEndpointDedupTest {

  private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString("dedup-test-operational-key-32b!!".getBytes());
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static Vertx vertx;
  private static SvixStandIn svix;
  private static WebhookService service;
  private static WebClient http;
  private static final List<JsonObject> events = Collections.synchronizedList(new ArrayList<>());
  private static final String ORG = "org-dedup-" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    svix = SvixStandIn.block(new SvixStandIn(vertx).start(), WAIT);
    service = SvixStandIn.block(TestService.start(Map.of(
      "SVIX_AUTH_TOKEN", svix.token(), "SVIX_SERVER_URL", svix.serverUrl(),
      "SVIX_OPERATIONAL_WEBHOOK_SECRET", SECRET)), Duration.ofSeconds(90));
    svix.operationalWebhooks("http://127.0.0.1:" + service.port() + "/api/webhooks/svix/operational", SECRET);
    http = WebClient.create(vertx);
    SvixStandIn.block(service.vertx().eventBus().<JsonObject>consumer(Addresses.org(ORG), m -> events.add(m.body()))
      .completion(), WAIT);
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      SvixStandIn.block(service.stop(), WAIT);
    }
    if (vertx != null) {
      SvixStandIn.block(vertx.close(), WAIT);
    }
  }

  private static List<JsonObject> events(String type) {
    synchronized (events) {
      return events.stream().filter(e -> type.equals(e.getString("type"))).toList();
    }
  }

  /** Waits until the stand-in got the receiver's answer to its operational webhook {@code type} for {@code endpointId}. */
  private static OperationalWebhookSent answered(String type, String endpointId) {
    SvixStandIn.block(svix.await(() -> find(type, endpointId) != null, WAIT), WAIT.plusSeconds(5));
    return find(type, endpointId);
  }

  private static OperationalWebhookSent find(String type, String endpointId) {
    return svix.operationalWebhooksSent().stream()
      .filter(o -> o.type().equals(type) && endpointId.equals(o.body().getJsonObject("data").getString("endpointId")))
      .filter(o -> o.statusCode() != null || o.error() != null)
      .findFirst().orElse(null);
  }

  /**
   * Publishes a marker through the receiver (Svix's own {@code endpoint.disabled} of a made-up
   * endpoint) and waits for it: messages published by the receiver earlier have arrived by then.
   */
  private static void drain() {
    String marker = "ep_marker_" + UUID.randomUUID();
    assertThat(SvixStandIn.block(svix.sendOperationalWebhook("endpoint.disabled",
      new JsonObject().put("appId", "app_x").put("appUid", ORG).put("endpointId", marker)), WAIT)).isEqualTo(204);
    SvixStandIn.block(svix.await(() -> events(RealtimeEvents.ENDPOINT_UPDATED).stream()
      .anyMatch(e -> marker.equals(e.getJsonObject("data").getString("endpointId"))), WAIT), WAIT.plusSeconds(5));
  }

  private static long about(String type, String endpoint) {
    return events(type).stream().filter(e -> {
      JsonObject d = e.getJsonObject("data");
      return endpoint.equals(d.getString("id")) || endpoint.equals(d.getString("endpointId"))
        || endpoint.equals(d.getString("endpointUid"));
    }).count();
  }

  /** An endpoint created through the provider and announced as the service's own change (as its callers do). */
  private static JsonObject ownCreate(EndpointSpec spec) {
    return SvixStandIn.block(RealtimeEvents.ownEndpointChange(service.vertx(), RealtimeEvents.ENDPOINT_CREATED, ORG,
      spec.uid(), () -> service.context().provider().createEndpoint(ORG, null, spec), Endpoint::toJson), WAIT).toJson();
  }

  @Test
  void endpointChangesMadeThroughTheServiceArePublishedOnce() {
    String token = TestTokens.user(service.vertx(), "dedup-user", ORG);
    HttpResponse<Buffer> created = SvixStandIn.block(http
      .post(service.port(), "127.0.0.1", "/api/webhooks/organizations/" + ORG + "/endpoints")
      .bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("url", "https://example.com/dedup")), WAIT);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");
    assertThat(answered("endpoint.created", id).statusCode()).isEqualTo(204);

    // an update through the provider, announced as the service's own change (as its callers do)
    SvixStandIn.block(RealtimeEvents.ownEndpointChange(service.vertx(), RealtimeEvents.ENDPOINT_UPDATED, ORG, id,
      () -> service.context().provider().updateEndpoint(ORG, id, EndpointSpec.of("https://example.com/dedup-2", "",
        List.of())), Endpoint::toJson), WAIT);
    assertThat(answered("endpoint.updated", id).statusCode()).isEqualTo(204);

    HttpResponse<Buffer> deleted = SvixStandIn.block(http
      .delete(service.port(), "127.0.0.1", "/api/webhooks/organizations/" + ORG + "/endpoints/" + id)
      .bearerTokenAuthentication(token).send(), WAIT);
    assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(204);
    assertThat(answered("endpoint.deleted", id).statusCode()).isEqualTo(204);

    drain();
    assertThat(about(RealtimeEvents.ENDPOINT_CREATED, id)).as("endpoint.created events: %s", events).isEqualTo(1);
    assertThat(about(RealtimeEvents.ENDPOINT_UPDATED, id)).as("endpoint.updated events: %s", events).isEqualTo(1);
    assertThat(about(RealtimeEvents.ENDPOINT_DELETED, id)).as("endpoint.deleted events: %s", events).isEqualTo(1);
    assertThat(events(RealtimeEvents.ENDPOINT_CREATED).stream().map(e -> e.getJsonObject("data"))
        .filter(d -> id.equals(d.getString("id")) || id.equals(d.getString("endpointId"))).findFirst().orElseThrow()
        .getString("url"))
      .as("the one published is the service's own, with the endpoint's details").isEqualTo("https://example.com/dedup");
  }

  @Test
  void aDeleteByUidIsRecognisedInSvixsReport() {
    JsonObject ep = ownCreate(new EndpointSpec("dedup-uid-1", "https://example.com/by-uid", "", List.of(), false, null));
    assertThat(answered("endpoint.created", ep.getString("id")).statusCode()).isEqualTo(204);
    SvixStandIn.block(RealtimeEvents.ownEndpointChange(service.vertx(), RealtimeEvents.ENDPOINT_DELETED, ORG,
      "dedup-uid-1", () -> service.context().provider().deleteEndpoint(ORG, "dedup-uid-1"),
      v -> new JsonObject().put("id", "dedup-uid-1")), WAIT);
    assertThat(answered("endpoint.deleted", ep.getString("id")).statusCode()).isEqualTo(204);

    drain();
    assertThat(about(RealtimeEvents.ENDPOINT_CREATED, ep.getString("id"))).as("%s", events).isEqualTo(1);
    assertThat(about(RealtimeEvents.ENDPOINT_DELETED, "dedup-uid-1")).as("%s", events).isEqualTo(1);
  }

  @Test
  void changesTheServiceDidNotMakeArePublished() {
    // made in Svix's dashboard (never through this service): no note, so Svix's report is published
    String elsewhere = "ep_elsewhere_" + UUID.randomUUID();
    assertThat(SvixStandIn.block(svix.sendOperationalWebhook("endpoint.created", new JsonObject()
      .put("appId", "app_x").put("appUid", ORG).put("endpointId", elsewhere)), WAIT)).isEqualTo(204);
    // the same endpoint created again by this service: its note suppresses exactly one report
    JsonObject own = ownCreate(EndpointSpec.of("https://example.com/twice", "", List.of()));
    String id = own.getString("id");
    assertThat(answered("endpoint.created", id).statusCode()).isEqualTo(204);
    assertThat(SvixStandIn.block(svix.sendOperationalWebhook("endpoint.created", new JsonObject()
      .put("appId", "app_x").put("appUid", ORG).put("endpointId", id)), WAIT)).isEqualTo(204);

    drain();
    assertThat(about(RealtimeEvents.ENDPOINT_CREATED, elsewhere)).as("%s", events).isEqualTo(1);
    assertThat(events(RealtimeEvents.ENDPOINT_CREATED).stream()
      .filter(e -> elsewhere.equals(e.getJsonObject("data").getString("endpointId"))).findFirst().orElseThrow()
      .getJsonObject("data").getString("svixEventType")).isEqualTo("endpoint.created");
    assertThat(about(RealtimeEvents.ENDPOINT_CREATED, id))
      .as("own create published once, a second report of it is not ours to swallow: %s", events).isEqualTo(2);
  }
}
