package io.daytona.webhooks.svix;

import io.daytona.webhooks.provider.Application;
import io.daytona.webhooks.provider.Endpoint;
import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.provider.EventType;
import io.daytona.webhooks.provider.Message;
import io.daytona.webhooks.provider.NewMessage;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.provider.svix.SvixProvider;
import io.daytona.webhooks.events.EventTypes;
import io.daytona.webhooks.testsupport.svix.SvixRecords.RecordedRequest;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredEndpoint;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredEventType;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.daytona.webhooks.svix.SvixTestKit.await;
import static io.daytona.webhooks.svix.SvixTestKit.newOrg;
import static org.assertj.core.api.Assertions.assertThat;

/** Endpoint management and event types, from REST (or the internal addresses) through the real SDK to the stand-in. */
class SvixEndpointsTest {

  private static SvixTestKit kit;

  @BeforeAll
  static void start() {
    kit = SvixTestKit.withStandIn(Map.of("SVIX_TIMEOUT_MS", "2000", "SVIX_HEALTH_INTERVAL_MS", "200"));
  }

  @AfterAll
  static void stop() {
    try {
      assertThat(SvixProvider.eventLoopCalls()).as("SDK calls made on an event-loop thread").isZero();
    } finally {
      kit.close();
    }
  }

  @BeforeEach
  void heal() {
    await(kit.standIn.heal());
  }

  @Test
  void allElevenPlatformEventTypesAreRegisteredAtStartWithTheirDescriptions() {
    kit.until(() -> kit.standIn.eventTypes().size() >= EventTypes.PLATFORM.size());
    Map<String, String> registered = kit.standIn.eventTypes().stream()
      .collect(Collectors.toMap(StoredEventType::name, StoredEventType::description));
    assertThat(EventTypes.PLATFORM).hasSize(11);
    EventTypes.PLATFORM.forEach((name, description) -> assertThat(registered).containsEntry(name, description));
  }

  @Test
  void createEndpointCreatesTheApplicationRegistersCustomTypesFirstAndMarksTheOrganizationSeen() {
    String org = newOrg();
    List<JsonObject> events = kit.listen(org);

    HttpResponse<Buffer> r = kit.createEndpoint(org, new JsonObject()
      .put("url", "https://example.test/hooks/" + org)
      .put("description", "my endpoint")
      .put("eventTypes", new JsonArray().add("sandbox.created").add("custom.first-endpoint")));

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    JsonObject ep = r.bodyAsJsonObject();
    assertThat(ep.getString("id")).startsWith("ep_");
    assertThat(ep.getString("url")).isEqualTo("https://example.test/hooks/" + org);
    assertThat(ep.getString("description")).isEqualTo("my endpoint");
    assertThat(ep.getJsonArray("eventTypes")).containsExactly("custom.first-endpoint", "sandbox.created");
    assertThat(ep.getBoolean("disabled")).isFalse();
    assertThat(Instant.parse(ep.getString("createdAt"))).isNotNull();
    assertThat(Instant.parse(ep.getString("updatedAt"))).isNotNull();

    // the organization's Svix application, uid = organization id, holds the endpoint
    assertThat(kit.standIn.app(org)).hasValueSatisfying(app -> assertThat(app.uid()).isEqualTo(org));
    assertThat(kit.standIn.endpoints(org)).extracting(StoredEndpoint::id).containsExactly(ep.getString("id"));

    // the custom type was registered before the endpoint that filters on it was created
    assertThat(kit.standIn.eventType("custom.first-endpoint")).isPresent();
    List<RecordedRequest> requests = kit.standIn.requests();
    int typePut = indexOf(requests, "PUT", "/api/v1/event-type/custom.first-endpoint");
    int endpointPost = indexOf(requests, "POST", "/api/v1/app/" + org + "/endpoint");
    assertThat(typePut).isNotNegative();
    assertThat(endpointPost).isGreaterThan(typePut);
    assertThat(requests.stream().filter(q -> q.method().equals("POST")
      && q.path().startsWith("/api/v1/app/" + org + "/endpoint"))).hasSize(1);

    // the organization counts as seen
    long rows = await(kit.service.context().database().pool()
      .preparedQuery("SELECT count(*) FROM organization_initializations WHERE organization_id = $1")
      .execute(Tuple.of(org))).iterator().next().getLong(0);
    assertThat(rows).isEqualTo(1);

    // endpoint.created on webhooks.org.<org>
    kit.until(() -> !events.isEmpty());
    JsonObject event = events.get(0);
    assertThat(event.getString("type")).isEqualTo("endpoint.created");
    assertThat(event.getString("organizationId")).isEqualTo(org);
    assertThat(event.getJsonObject("data").getString("id")).isEqualTo(ep.getString("id"));
    assertThat(Instant.parse(event.getString("timestamp"))).isNotNull();
  }

  @Test
  void listPagesWithLimitAndIterator() {
    String org = newOrg();
    Set<String> created = new HashSet<>();
    for (int i = 0; i < 7; i++) {
      HttpResponse<Buffer> r = kit.createEndpoint(org, new JsonObject().put("url", "https://example.test/" + i));
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
      created.add(r.bodyAsJsonObject().getString("id"));
    }

    List<String> seen = new ArrayList<>();
    List<Integer> pageSizes = new ArrayList<>();
    String iterator = null;
    boolean done = false;
    while (!done) {
      HttpResponse<Buffer> r = kit.listEndpoints(org, "limit=3" + (iterator == null ? "" : "&iterator=" + iterator));
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      JsonObject page = r.bodyAsJsonObject();
      done = page.getBoolean("done");
      iterator = page.getString("iterator");
      assertThat(iterator == null).isEqualTo(done);
      JsonArray data = page.getJsonArray("data");
      pageSizes.add(data.size());
      for (int i = 0; i < data.size(); i++) {
        JsonObject ep = data.getJsonObject(i);
        assertThat(ep.fieldNames()).contains("id", "url", "description", "eventTypes", "disabled", "createdAt",
          "updatedAt");
        seen.add(ep.getString("id"));
      }
      assertThat(pageSizes.size()).as("pages").isLessThan(5);
    }
    assertThat(pageSizes).containsExactly(3, 3, 1);
    assertThat(seen).doesNotHaveDuplicates();
    assertThat(new HashSet<>(seen)).isEqualTo(created);

    // default limit: everything in one page
    JsonObject all = kit.listEndpoints(org, null).bodyAsJsonObject();
    assertThat(all.getJsonArray("data")).hasSize(7);
    assertThat(all.getBoolean("done")).isTrue();
  }

  @Test
  void listOfAnOrganizationWithoutApplicationIsAnEmptyPage() {
    HttpResponse<Buffer> r = kit.listEndpoints(newOrg(), "limit=10");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject()).isEqualTo(new JsonObject().put("data", new JsonArray()).putNull("iterator")
      .put("done", true));
  }

  @Test
  void deleteRemovesTheEndpointAndOnlyFromItsOwnOrganization() {
    String org = newOrg();
    String other = newOrg();
    List<JsonObject> events = kit.listen(org);
    String mine = kit.createEndpoint(org, new JsonObject().put("url", "https://example.test/mine"))
      .bodyAsJsonObject().getString("id");
    String theirs = kit.createEndpoint(other, new JsonObject().put("url", "https://example.test/theirs"))
      .bodyAsJsonObject().getString("id");

    // another organization's endpoint id is not found in this organization, and stays
    HttpResponse<Buffer> foreign = kit.deleteEndpoint(org, theirs);
    assertProblem(foreign, 404);
    assertThat(kit.standIn.endpoints(other)).extracting(StoredEndpoint::id).containsExactly(theirs);

    // unknown id
    assertProblem(kit.deleteEndpoint(org, "ep_doesnotexist"), 404);

    HttpResponse<Buffer> deleted = kit.deleteEndpoint(org, mine);
    assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(204);
    assertThat(deleted.body() == null || deleted.body().length() == 0).isTrue();
    assertThat(kit.standIn.endpoints(org)).isEmpty();
    assertProblem(kit.deleteEndpoint(org, mine), 404);

    kit.until(() -> events.stream().anyMatch(e -> "endpoint.deleted".equals(e.getString("type"))));
    JsonObject event = events.stream().filter(e -> "endpoint.deleted".equals(e.getString("type"))).findFirst()
      .orElseThrow();
    assertThat(event.getString("organizationId")).isEqualTo(org);
    assertThat(event.getJsonObject("data").getString("id")).isEqualTo(mine);
    assertThat(Instant.parse(event.getString("timestamp"))).isNotNull();
  }

  @Test
  void providerCreateGetAndUpdateByUidWithConflict() {
    String org = newOrg();
    EndpointSpec create = new EndpointSpec("stable-uid", "https://example.test/a", "", List.of("volume.created"), false, null);
    Endpoint first = await(kit.provider().createEndpoint(org, null, create));
    assertThat(first.uid()).isEqualTo("stable-uid");

    ProviderFailure again = SvixTestKit.failure(kit.provider().createEndpoint(org, null, create));
    assertThat(again.kind()).isEqualTo(ProviderFailure.Kind.DUPLICATE);
    assertThat(again.upstreamStatus()).isEqualTo(409);
    assertThat(kit.standIn.endpoints(org)).hasSize(1);

    Endpoint got = await(kit.provider().getEndpoint(org, "stable-uid"));
    assertThat(got.id()).isEqualTo(first.id());

    Endpoint updated = await(kit.provider().updateEndpoint(org, "stable-uid",
      new EndpointSpec("stable-uid", "https://example.test/b", "moved", List.of("custom.on-update"), false, null)));
    assertThat(updated.url()).isEqualTo("https://example.test/b");
    assertThat(updated.eventTypes()).containsExactly("custom.on-update");
    assertThat(kit.standIn.eventType("custom.on-update")).isPresent();

    assertThat(SvixTestKit.failure(kit.provider().getEndpoint(org, "nope")).kind()).isEqualTo(ProviderFailure.Kind.NOT_FOUND);
  }

  @Test
  void aCustomEventTypeIsRegisteredOnFirstUseByCreateMessageWhichCreatesTheApplicationOnTheWay() {
    String org = newOrg();
    String type = "custom.first-use-" + org.substring(4, 12);
    NewMessage message = new NewMessage(type, "evt-" + org, "{\"hello\":\"world\"}", null);

    Message reply = await(kit.provider().createMessage(org, null, message));

    assertThat(reply.eventId()).isEqualTo("evt-" + org);
    assertThat(kit.standIn.eventType(type)).isPresent();
    assertThat(kit.standIn.app(org)).isPresent();
    assertThat(kit.standIn.messages(org)).hasSize(1);
    assertThat(kit.standIn.messages(org).get(0).payload()).isEqualTo(new JsonObject().put("hello", "world"));
    List<RecordedRequest> requests = kit.standIn.requests();
    assertThat(indexOf(requests, "PUT", "/api/v1/event-type/" + type))
      .isNotNegative()
      .isLessThan(lastIndexOf(requests, "POST", "/api/v1/app/" + org + "/msg"));

    // the same eventId again: Svix's 409 comes back as DUPLICATE, nothing stored twice
    assertThat(SvixTestKit.failure(kit.provider().createMessage(org, null, message)).kind())
      .isEqualTo(ProviderFailure.Kind.DUPLICATE);
    assertThat(kit.standIn.messagesCreated("evt-" + org)).isEqualTo(1);
  }

  @Test
  void registerEventTypesAndEnsureApplication() {
    await(kit.provider().registerEventTypes(List.of(new EventType("custom.described", "Described here", null, null),
      EventType.custom("custom.plain"))));
    assertThat(kit.standIn.eventType("custom.described")).hasValueSatisfying(t ->
      assertThat(t.description()).isEqualTo("Described here"));
    assertThat(kit.standIn.eventType("custom.plain")).isPresent();

    String org = newOrg();
    Application app = await(kit.provider().ensureApplication(org, "Acme"));
    assertThat(app.uid()).isEqualTo(org);
    assertThat(app.name()).isEqualTo("Acme");
    Application again = await(kit.provider().ensureApplication(org, null));
    assertThat(again.id()).isEqualTo(app.id());
    assertThat(kit.standIn.apps().stream().filter(a -> org.equals(a.uid()))).hasSize(1);
  }

  @Test
  void platformEventTypesAreRegisteredAgainWhenSvixComesBack() {
    kit.until(() -> kit.standIn.eventTypes().size() >= EventTypes.PLATFORM.size());
    Map<String, Integer> before = platformTypePuts();

    await(kit.standIn.refuseConnections());
    kit.untilSvixReachable(false);
    await(kit.standIn.acceptConnections());
    kit.untilSvixReachable(true);

    kit.until(() -> {
      Map<String, Integer> now = platformTypePuts();
      return before.entrySet().stream().allMatch(e -> now.get(e.getKey()) > e.getValue());
    });
  }

  private static Map<String, Integer> platformTypePuts() {
    return EventTypes.PLATFORM.keySet().stream().collect(Collectors.toMap(n -> n,
      n -> kit.standIn.requestCount("PUT", "/api/v1/event-type/" + n)));
  }

  static void assertProblem(HttpResponse<Buffer> r, int status) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).startsWith("application/problem+json");
    JsonObject problem = r.bodyAsJsonObject();
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("type")).isNotBlank();
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
  }

  private static int indexOf(List<RecordedRequest> requests, String method, String path) {
    for (int i = 0; i < requests.size(); i++) {
      RecordedRequest q = requests.get(i);
      if (q.method().equalsIgnoreCase(method) && stripSlash(q.path()).equals(path)) {
        return i;
      }
    }
    return -1;
  }

  private static int lastIndexOf(List<RecordedRequest> requests, String method, String path) {
    for (int i = requests.size() - 1; i >= 0; i--) {
      RecordedRequest q = requests.get(i);
      if (q.method().equalsIgnoreCase(method) && stripSlash(q.path()).equals(path)) {
        return i;
      }
    }
    return -1;
  }

  private static String stripSlash(String p) {
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }
}
