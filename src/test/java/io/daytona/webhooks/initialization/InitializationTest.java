package io.daytona.webhooks.initialization;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.events.EventTypes;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredApp;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredEndpoint;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Organization initialization against the Svix stand-in: the automatic path, the REST operations, an outage
 * in the middle, the record, update-all after a configuration change, the concurrent race (one node and two
 * nodes on one database), 1,000 organizations through retry-failed, and the background retry job.
 */
class InitializationTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String BASE = "https://hooks.example.test";
  private static final String API = "/api/webhooks";

  private static Vertx vertx;
  private static SvixStandIn svix;
  private static WebClient client;
  private static String admin;
  private final List<WebhookService> started = new ArrayList<>();

  @BeforeAll
  static void startStandIn() {
    vertx = Vertx.vertx();
    svix = block(new SvixStandIn(vertx).start());
    client = WebClient.create(vertx);
    admin = TestTokens.admin(vertx);
  }

  @AfterAll
  static void stopStandIn() {
    block(svix.stop());
    block(vertx.close());
  }

  @AfterEach
  void stopServices() {
    block(svix.heal());
    svix.deliveryEnabled(true);
    for (WebhookService s : started) {
      block(s.stop());
    }
    started.clear();
  }

  // ------------------------------------------------------------------ automatic path

  @Test
  void organizationCreatedInitializesTheOrganization() {
    WebhookService service = start(Map.of());
    JsonObject reply = block(service.vertx().eventBus().<JsonObject>request(Addresses.ORGANIZATION_CREATED,
      new JsonObject().put("id", "org-auto").put("name", "Acme Inc"))).body();
    assertThat(reply.getString("organizationId")).isEqualTo("org-auto");
    assertThat(reply.getString("status")).isIn("PENDING", "INITIALIZED");

    JsonObject status = awaitStatus(service, "org-auto", "INITIALIZED");
    StoredApp app = svix.app("org-auto").orElseThrow();
    assertThat(app.name()).isEqualTo("Acme Inc");
    assertPreconfigured("org-auto", BASE);
    assertThat(status.getBoolean("svixApplicationCreated")).isTrue();
    assertThat(status.getString("svixApplicationId")).isEqualTo(app.id());
    assertThat(status.getBoolean("endpointsCreated")).isTrue();
    assertThat(status.getJsonArray("endpointIds").getList())
      .containsExactlyElementsOf(svix.endpoints("org-auto").stream().map(StoredEndpoint::id).toList());
    assertThat(status.getString("lastError")).isNull();
    assertThat(status.getInteger("retryCount")).isZero();
    assertThat(status.getString("createdAt")).isNotNull();
    assertThat(status.getString("updatedAt")).isNotNull();

    // published again (e.g. to every node): recorded once, nothing created again
    int posts = endpointPosts("org-auto");
    JsonObject again = block(service.vertx().eventBus().<JsonObject>request(Addresses.ORGANIZATION_CREATED,
      new JsonObject().put("id", "org-auto").put("name", "Acme Inc"))).body();
    assertThat(again.getString("status")).isEqualTo("INITIALIZED");
    assertThat(endpointPosts("org-auto")).isEqualTo(posts);
    assertThat(svix.endpoints("org-auto")).hasSize(5);
  }

  @Test
  void badOrganizationCreatedBodyIsRefusedAndDeadLettered() throws Exception {
    String db = TestDatabase.freshDatabaseUrl();
    WebhookService service = start(Map.of("DATABASE_URL", db));
    List<Object> bad = List.of(new JsonObject().put("name", "no id"), new JsonObject().put("id", "has space"),
      new JsonObject().put("id", 42), new JsonObject().put("id", "ok-id").put("name", 7), "not json");
    List<String> pointers = List.of("/id", "/id", "/id", "/name", "");
    for (int i = 0; i < bad.size(); i++) {
      Object body = bad.get(i);
      Throwable err = catchThrowable(() -> block(service.vertx().eventBus().request(Addresses.ORGANIZATION_CREATED, body)));
      assertThat(err).isInstanceOf(ReplyException.class);
      ReplyException re = (ReplyException) err;
      assertThat(re.failureCode()).isEqualTo(400);
      JsonObject problem = new JsonObject(re.getMessage());
      assertThat(problem.getJsonArray("errors").getJsonObject(0).getString("pointer")).isEqualTo(pointers.get(i));
    }
    try (Connection c = TestDatabase.connect(db); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT address, body, reason FROM dead_letters ORDER BY id")) {
      List<String> bodies = new ArrayList<>();
      while (rs.next()) {
        assertThat(rs.getString("address")).isEqualTo("organization.created");
        assertThat(rs.getString("reason")).isNotBlank();
        bodies.add(rs.getString("body"));
      }
      assertThat(bodies).hasSizeGreaterThanOrEqualTo(bad.size());
      assertThat(bodies).contains("not json", new JsonObject().put("id", "has space").encode());
    }
    // nothing recorded for the bad ones
    assertThat(stats(service).getInteger("totalOrganizations")).isZero();
  }

  // ------------------------------------------------------------------ REST

  @Test
  void initializeAndPreconfiguredEndpointsAreIdempotent() {
    WebhookService service = start(Map.of());
    HttpResponse<Buffer> never = get(service, "/organizations/org-never/initialization-status");
    assertThat(never.statusCode()).isEqualTo(200);
    JsonObject n = never.bodyAsJsonObject();
    assertThat(n.getString("status")).isEqualTo("NOT_INITIALIZED");
    assertThat(n.fieldNames()).containsExactlyInAnyOrder("organizationId", "status", "svixApplicationCreated",
      "svixApplicationId", "endpointsCreated", "endpointIds", "lastError", "retryCount", "createdAt", "updatedAt");
    n.fieldNames().stream().filter(f -> !f.equals("organizationId") && !f.equals("status"))
      .forEach(f -> assertThat(n.getValue(f)).as(f).isNull());

    JsonObject first = post(service, "/organizations/org-idem/initialize", 200).bodyAsJsonObject();
    assertThat(first.getString("status")).isEqualTo("INITIALIZED");
    assertPreconfigured("org-idem", BASE);
    int posts = endpointPosts("org-idem");
    assertThat(posts).isEqualTo(5);
    JsonObject second = post(service, "/organizations/org-idem/initialize", 200).bodyAsJsonObject();
    assertThat(second.getString("status")).isEqualTo("INITIALIZED");
    assertThat(second.getJsonArray("endpointIds")).isEqualTo(first.getJsonArray("endpointIds"));
    assertThat(endpointPosts("org-idem")).isEqualTo(5);
    assertThat(svix.apps().stream().filter(a -> a.uid().equals("org-idem"))).hasSize(1);

    JsonObject pre = post(service, "/organizations/org-idem/preconfigured-endpoints", 201).bodyAsJsonObject();
    assertThat(pre.getInteger("created")).isZero();
    assertThat(pre.getInteger("existing")).isEqualTo(5);

    // preconfigured-endpoints on a fresh organization: five created, then five existing
    JsonObject created = post(service, "/organizations/org-pre/preconfigured-endpoints", 201).bodyAsJsonObject();
    assertThat(created.getInteger("created")).isEqualTo(5);
    assertThat(created.getInteger("existing")).isZero();
    assertThat(created.getJsonArray("endpoints")).hasSize(5);
    JsonObject existing = post(service, "/organizations/org-pre/preconfigured-endpoints", 201).bodyAsJsonObject();
    assertThat(existing.getInteger("created")).isZero();
    assertThat(existing.getInteger("existing")).isEqualTo(5);
    assertThat(ids(existing.getJsonArray("endpoints"))).isEqualTo(ids(created.getJsonArray("endpoints")));
    assertThat(svix.endpoints("org-pre")).hasSize(5);
    assertThat(endpointPosts("org-pre")).isEqualTo(5);
    assertThat(get(service, "/organizations/org-pre/initialization-status").bodyAsJsonObject().getString("status"))
      .isEqualTo("INITIALIZED");
    assertPreconfigured("org-pre", BASE);

    // an endpoint deleted behind our back is re-created by initialize, and the record follows
    String gone = svix.endpoints("org-pre").get(1).id();
    deleteInSvix("org-pre", gone);
    JsonObject healed = post(service, "/organizations/org-pre/initialize", 200).bodyAsJsonObject();
    assertThat(healed.getString("status")).isEqualTo("INITIALIZED");
    assertThat(svix.endpoints("org-pre")).hasSize(5);
    assertThat(healed.getJsonArray("endpointIds").getList()).doesNotContain(gone)
      .containsExactlyInAnyOrderElementsOf(svix.endpoints("org-pre").stream().map(StoredEndpoint::id).toList());
  }

  @Test
  void withoutSvixInitializeIs503() {
    WebhookService service = block(TestService.start(Map.of()));
    started.add(service);
    HttpResponse<Buffer> r = post(service, "/organizations/org-x/initialize", 503);
    assertThat(r.bodyAsJsonObject().getString("detail")).contains("SVIX_AUTH_TOKEN");
    post(service, "/organizations/org-x/preconfigured-endpoints", 503);
    post(service, "/retry-failed-initializations", 503);
  }

  // ------------------------------------------------------------------ outage, record, retry, stats

  @Test
  void outageInTheMiddleIsRecordedThenRetryCreatesOnlyWhatIsMissing() {
    WebhookService service = start(Map.of());
    // an organization seen (an endpoint created) but not initialized counts as pending
    HttpResponse<Buffer> ep = client.post(service.port(), "127.0.0.1", API + "/organizations/org-seen/endpoints")
      .bearerTokenAuthentication(admin).sendJsonObject(new JsonObject().put("url", "https://example.test/hook"))
      .toCompletionStage().toCompletableFuture().join();
    assertThat(ep.statusCode()).isEqualTo(201);
    assertThat(stats(service)).isEqualTo(stats(1, 0, 0, 1));

    // Svix goes down as the third endpoint is being created
    svix.failAllAfter(2, 500, "/api/v1/app/org-out/endpoint");
    JsonObject failed = post(service, "/organizations/org-out/initialize", 200).bodyAsJsonObject();
    assertThat(failed.getString("status")).isEqualTo("FAILED");
    assertThat(failed.getBoolean("svixApplicationCreated")).isTrue();
    assertThat(failed.getString("svixApplicationId")).isEqualTo(svix.app("org-out").orElseThrow().id());
    assertThat(failed.getBoolean("endpointsCreated")).isFalse();
    assertThat(failed.getString("lastError")).contains("volume-events");
    assertThat(failed.getInteger("retryCount")).isEqualTo(1);
    List<String> kept = svix.endpoints("org-out").stream().map(StoredEndpoint::id).toList();
    assertThat(kept).hasSize(2);
    assertThat(failed.getJsonArray("endpointIds").getList()).containsExactlyElementsOf(kept);
    assertThat(get(service, "/organizations/org-out/initialization-status").bodyAsJsonObject()).isEqualTo(failed);
    assertThat(stats(service)).isEqualTo(stats(2, 0, 1, 1));

    block(svix.heal());
    int postsBefore = endpointPosts("org-out");
    JsonObject retry = post(service, "/retry-failed-initializations", 200).bodyAsJsonObject();
    assertThat(retry.getInteger("attempted")).isEqualTo(1);
    assertThat(retry.getInteger("succeeded")).isEqualTo(1);
    assertThat(retry.getInteger("failed")).isZero();
    assertThat(retry.getJsonArray("results").getJsonObject(0)).isEqualTo(new JsonObject()
      .put("organizationId", "org-out").put("status", "INITIALIZED").putNull("error"));
    assertThat(endpointPosts("org-out") - postsBefore).as("only the three missing endpoints are created").isEqualTo(3);
    assertPreconfigured("org-out", BASE);
    JsonObject healed = get(service, "/organizations/org-out/initialization-status").bodyAsJsonObject();
    assertThat(healed.getString("status")).isEqualTo("INITIALIZED");
    assertThat(healed.getBoolean("endpointsCreated")).isTrue();
    assertThat(healed.getString("lastError")).isNull();
    assertThat(healed.getJsonArray("endpointIds").getList().subList(0, 2)).containsExactlyElementsOf(kept);
    assertThat(healed.getJsonArray("endpointIds").getList())
      .containsExactlyElementsOf(svix.endpoints("org-out").stream().map(StoredEndpoint::id).toList());
    assertThat(stats(service)).isEqualTo(stats(2, 1, 0, 1));
    // nothing left to retry
    assertThat(post(service, "/retry-failed-initializations", 200).bodyAsJsonObject().getInteger("attempted")).isZero();
  }

  @Test
  void backgroundJobHealsFailedOrganizationsWithBackoff() {
    WebhookService service = start(Map.of("INIT_RETRY_BASE_MS", "100", "INIT_RETRY_MAX_MS", "400",
      "INIT_RETRY_INTERVAL_MS", "50"));
    svix.failAll(503, "/endpoint");
    JsonObject failed = post(service, "/organizations/org-job/initialize", 200).bodyAsJsonObject();
    assertThat(failed.getString("status")).isEqualTo("FAILED");
    // the job keeps trying while Svix fails: the retry count grows
    awaitRetryCount(service, "org-job", 3);
    block(svix.heal());
    JsonObject healed = awaitStatus(service, "org-job", "INITIALIZED");
    assertThat(healed.getInteger("retryCount")).isGreaterThanOrEqualTo(3);
    assertPreconfigured("org-job", BASE);
  }

  // ------------------------------------------------------------------ update-all

  @Test
  void updateAllBringsEndpointsToANewBaseUrlInPlace() {
    String db = TestDatabase.freshDatabaseUrl();
    WebhookService before = start(Map.of("DATABASE_URL", db));
    post(before, "/organizations/org-u1/initialize", 200);
    post(before, "/organizations/org-u2/initialize", 200);
    Map<String, String> idsBefore = new HashMap<>();
    for (String org : List.of("org-u1", "org-u2")) {
      svix.endpoints(org).forEach(e -> idsBefore.put(org + "/" + e.uid(), e.id()));
    }
    // one endpoint lost in Svix: update-all creates it again (under its uid), the record follows
    String lost = svix.endpoints("org-u2").get(2).id();
    deleteInSvix("org-u2", lost);

    String newBase = "https://new-hooks.example.test/v2";
    WebhookService after = start(Map.of("DATABASE_URL", db, "PRECONFIGURED_ENDPOINT_BASE_URL", newBase));
    List<JsonObject> progress = new CopyOnWriteArrayList<>();
    after.vertx().eventBus().<JsonObject>consumer(Addresses.ADMIN, m -> {
      if ("bulk.progress".equals(m.body().getString("type"))) {
        progress.add(m.body());
      }
    });
    JsonObject result = post(after, "/update-all-endpoints", 200).bodyAsJsonObject();
    assertThat(result.getInteger("attempted")).isEqualTo(2);
    assertThat(result.getInteger("updated")).isEqualTo(2);
    assertThat(result.getInteger("failed")).isZero();
    assertThat(result.getJsonArray("results").stream().map(o -> ((JsonObject) o).getString("status")))
      .containsOnly("UPDATED");
    for (String org : List.of("org-u1", "org-u2")) {
      assertPreconfigured(org, newBase);
      JsonObject status = get(after, "/organizations/" + org + "/initialization-status").bodyAsJsonObject();
      assertThat(status.getString("status")).isEqualTo("INITIALIZED");
      assertThat(status.getJsonArray("endpointIds").getList())
        .containsExactlyInAnyOrderElementsOf(svix.endpoints(org).stream().map(StoredEndpoint::id).toList());
      for (StoredEndpoint e : svix.endpoints(org)) {
        if (!e.id().equals(idsBefore.get(org + "/" + e.uid()))) {
          assertThat(org + "/" + e.uid()).as("only the lost endpoint is new").isEqualTo("org-u2/volume-events");
        }
      }
    }
    assertThat(svix.endpoints("org-u2").stream().map(StoredEndpoint::id)).doesNotContain(lost);
    block(svix.await(() -> progress.stream().anyMatch(p -> p.getInteger("done") == 2), WAIT));
    JsonObject lastProgress = progress.get(progress.size() - 1);
    assertThat(lastProgress.getString("operation")).isEqualTo("update-all-endpoints");
    assertThat(lastProgress.getInteger("total")).isEqualTo(2);
    assertThat(lastProgress.getInteger("failed")).isZero();
    // running it again changes nothing: same ids, still five each
    post(after, "/update-all-endpoints", 200);
    assertThat(svix.endpoints("org-u1")).hasSize(5);
    assertThat(svix.endpoints("org-u2")).hasSize(5);
  }

  // ------------------------------------------------------------------ concurrency

  @Test
  void concurrentInitializationsOnOneNodeMakeOneAppAndFiveEndpoints() {
    WebhookService service = start(Map.of());
    svix.delayAll(Duration.ofMillis(20));
    raceAndCheck("org-race-1", List.of(service), 6);
  }

  @Test
  void concurrentInitializationsOnTwoNodesSharingTheDatabaseMakeOneAppAndFiveEndpoints() {
    String db = TestDatabase.freshDatabaseUrl();
    WebhookService a = start(Map.of("DATABASE_URL", db));
    WebhookService b = start(Map.of("DATABASE_URL", db));
    svix.delayAll(Duration.ofMillis(20));
    raceAndCheck("org-race-2", List.of(a, b), 4);
  }

  private void raceAndCheck(String org, List<WebhookService> nodes, int requestsPerNode) {
    // organization.created on the first node, recorded (the reply) and initializing, raced by the REST calls and by
    // organization.created published on every node
    block(nodes.get(0).vertx().eventBus().request(Addresses.ORGANIZATION_CREATED,
      new JsonObject().put("id", org).put("name", "Race")));
    List<Future<?>> all = new ArrayList<>();
    for (WebhookService node : nodes) {
      node.vertx().eventBus().publish(Addresses.ORGANIZATION_CREATED, new JsonObject().put("id", org).put("name", "Race"));
      for (int i = 0; i < requestsPerNode; i++) {
        all.add(client.post(node.port(), "127.0.0.1", API + "/organizations/" + org + "/initialize")
          .bearerTokenAuthentication(admin).send());
      }
    }
    block(Future.all(all));
    for (Future<?> f : all) {
      @SuppressWarnings("unchecked")
      HttpResponse<Buffer> r = (HttpResponse<Buffer>) f.result();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.bodyAsJsonObject().getString("status")).isEqualTo("INITIALIZED");
    }
    for (WebhookService node : nodes) {
      awaitStatus(node, org, "INITIALIZED");
    }
    assertThat(svix.apps().stream().filter(a -> a.uid().equals(org))).hasSize(1);
    assertPreconfigured(org, BASE);
    assertThat(endpointPosts(org)).as("endpoints created once, never raced into Svix").isEqualTo(5);
  }

  // ------------------------------------------------------------------ scale

  @Test
  void retryFailedRunsAThousandOrganizationsWithProgress() throws Exception {
    String db = TestDatabase.freshDatabaseUrl();
    WebhookService service = start(Map.of("DATABASE_URL", db, "BULK_CONCURRENCY", "16", "DATABASE_POOL_SIZE", "24"));
    svix.deliveryEnabled(false);
    int n = 1000;
    try (Connection c = TestDatabase.connect(db); Statement st = c.createStatement()) {
      st.executeUpdate("INSERT INTO organization_initializations (organization_id, name, status, last_error, retry_count, "
        + "next_retry_at) SELECT 'bulk-' || lpad(g::text, 4, '0'), 'Bulk ' || g, 'FAILED', 'seeded', 1, "
        + "now() + interval '1 day' FROM generate_series(1, " + n + ") AS g");
    }
    assertThat(stats(service)).isEqualTo(stats(n, 0, n, 0));
    List<JsonObject> progress = new CopyOnWriteArrayList<>();
    service.vertx().eventBus().<JsonObject>consumer(Addresses.ADMIN, m -> {
      if ("bulk.progress".equals(m.body().getString("type"))) {
        progress.add(m.body());
      }
    });
    long t0 = System.nanoTime();
    JsonObject result = post(service, "/retry-failed-initializations", 200).bodyAsJsonObject();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(result.getInteger("attempted")).isEqualTo(n);
    assertThat(result.getInteger("succeeded")).isEqualTo(n);
    assertThat(result.getInteger("failed")).isZero();
    JsonArray results = result.getJsonArray("results");
    assertThat(results).hasSize(n);
    Set<String> orgs = results.stream().map(o -> ((JsonObject) o).getString("organizationId")).collect(Collectors.toSet());
    assertThat(orgs).hasSize(n);
    assertThat(results.stream().map(o -> ((JsonObject) o).getString("status"))).containsOnly("INITIALIZED");
    assertThat(stats(service)).isEqualTo(stats(n, n, 0, 0));
    assertThat(svix.endpoints("bulk-0500")).hasSize(5);
    assertThat(svix.apps().stream().filter(a -> a.uid().startsWith("bulk-")).count()).isEqualTo(n);

    block(svix.await(() -> progress.stream().anyMatch(p -> p.getInteger("done") == n), WAIT));
    assertThat(progress.size()).as("progress published along the way").isGreaterThanOrEqualTo(10);
    List<Integer> done = progress.stream().map(p -> p.getInteger("done")).toList();
    assertThat(done).isSorted();
    assertThat(progress).allSatisfy(p -> {
      assertThat(p.getString("operation")).isEqualTo("retry-failed-initializations");
      assertThat(p.getInteger("total")).isEqualTo(n);
      assertThat(p.getInteger("failed")).isZero();
      assertThat(p.getJsonObject("data").getInteger("done")).isEqualTo(p.getInteger("done"));
    });
    System.out.println("retry-failed over " + n + " organizations took " + ms + " ms");
  }

  // ------------------------------------------------------------------ helpers

  private WebhookService start(Map<String, String> overrides) {
    Map<String, Object> config = new HashMap<>(overrides);
    config.put("SVIX_AUTH_TOKEN", svix.token());
    config.put("SVIX_SERVER_URL", svix.serverUrl());
    config.putIfAbsent("PRECONFIGURED_ENDPOINT_BASE_URL", BASE);
    WebhookService s = block(TestService.start(config));
    started.add(s);
    return s;
  }

  /** The five preconfigured endpoints, exactly once each, with their uid, filter types and URL. */
  private static void assertPreconfigured(String org, String base) {
    List<StoredEndpoint> eps = svix.endpoints(org);
    assertThat(eps).hasSize(5);
    Map<String, StoredEndpoint> byUid = eps.stream().collect(Collectors.toMap(StoredEndpoint::uid, e -> e));
    assertThat(byUid.keySet()).containsExactlyInAnyOrder("sandbox-events", "snapshot-events", "volume-events",
      "audit-events", "all-events");
    for (PreconfiguredEndpoints.Definition d : PreconfiguredEndpoints.ALL) {
      StoredEndpoint e = byUid.get(d.name());
      assertThat(e.url()).isEqualTo(base + "/" + org + "/" + d.name());
      assertThat(new HashSet<>(e.filterTypes())).isEqualTo(new HashSet<>(d.eventTypes()));
    }
    assertThat(byUid.get("all-events").filterTypes()).hasSize(EventTypes.PLATFORM.size());
    assertThat(byUid.get("sandbox-events").filterTypes())
      .containsExactlyInAnyOrder("sandbox.created", "sandbox.state.updated", "sandbox.desired-state.updated");
    assertThat(byUid.get("audit-events").filterTypes()).containsExactlyInAnyOrder("audit-log.created", "audit-log.updated");
  }

  private static List<String> ids(JsonArray endpoints) {
    return endpoints.stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  private static int endpointPosts(String org) {
    return svix.requestCountStartingWith("POST", "/api/v1/app/" + org + "/endpoint");
  }

  private static void deleteInSvix(String org, String endpointId) {
    HttpResponse<Buffer> r = block(svix.webClient().delete(svix.port(), "127.0.0.1",
      "/api/v1/app/" + org + "/endpoint/" + endpointId + "/").bearerTokenAuthentication(svix.token()).send());
    assertThat(r.statusCode()).isEqualTo(204);
  }

  private static JsonObject stats(long total, long initialized, long failed, long pending) {
    return new JsonObject().put("totalOrganizations", total).put("initializedOrganizations", initialized)
      .put("failedInitializations", failed).put("pendingInitializations", pending);
  }

  private static JsonObject stats(WebhookService s) {
    HttpResponse<Buffer> r = get(s, "/initialization-stats");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject j = r.bodyAsJsonObject();
    // compare as longs whatever the JSON number type
    JsonObject out = new JsonObject();
    j.forEach(e -> out.put(e.getKey(), ((Number) e.getValue()).longValue()));
    return out;
  }

  private static void awaitRetryCount(WebhookService s, String org, int atLeast) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (retryCount(s, org) < atLeast) {
      assertThat(System.nanoTime()).as("retryCount of " + org + " reaches " + atLeast).isLessThan(deadline);
      block(vertx.timer(20));
    }
  }

  private static int retryCount(WebhookService s, String org) {
    Integer c = get(s, "/organizations/" + org + "/initialization-status").bodyAsJsonObject().getInteger("retryCount");
    return c == null ? 0 : c;
  }

  private static JsonObject awaitStatus(WebhookService s, String org, String status) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      JsonObject last = get(s, "/organizations/" + org + "/initialization-status").bodyAsJsonObject();
      if (status.equals(last.getString("status"))) {
        return last;
      }
      assertThat(System.nanoTime()).as(org + " reaches " + status + ", last: " + last).isLessThan(deadline);
      block(vertx.timer(20));
    }
  }

  private static HttpResponse<Buffer> get(WebhookService s, String path) {
    return block(client.get(s.port(), "127.0.0.1", API + path).bearerTokenAuthentication(admin).send());
  }

  private static HttpResponse<Buffer> post(WebhookService s, String path, int expected) {
    HttpResponse<Buffer> r = block(client.post(s.port(), "127.0.0.1", API + path).bearerTokenAuthentication(admin).send());
    assertThat(r.statusCode()).as(path + ": " + r.bodyAsString()).isEqualTo(expected);
    return r;
  }

  private static <T> T block(Future<T> f) {
    return SvixStandIn.block(f, Duration.ofSeconds(60));
  }
}
