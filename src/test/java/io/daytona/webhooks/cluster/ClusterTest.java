package io.daytona.webhooks.cluster;

import io.daytona.webhooks.testsupport.JavaProcess;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredApp;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredMessage;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two service nodes ({@code io.daytona.webhooks.Main}, separate JVMs) clustered over Hazelcast on
 * loopback, one PostgreSQL database, one Svix stand-in, and the example platform publisher (a third
 * JVM with only Vert.x and Hazelcast on its classpath). The nodes are started once for the class;
 * the node-failure case runs last because it kills and restarts node B.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

  private static final String MAIN = "io.daytona.webhooks.Main";
  private static final String LOCALHOST = "127.0.0.1";

  private final HttpClient http = HttpClient.newHttpClient();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String clusterName = "webhooks-it-" + run;

  private Vertx vertx;
  private SvixStandIn svix;
  private String databaseUrl;
  private String adminToken;
  private final int[] hazelcastPorts = new int[2];
  private final int[] httpPorts = new int[2];
  private final JavaProcess[] nodes = new JavaProcess[2];

  @BeforeAll
  void startCluster() throws Exception {
    vertx = Vertx.vertx();
    svix = SvixStandIn.block(new SvixStandIn(vertx).start(), Duration.ofSeconds(30));
    svix.deliveryEnabled(false); // preconfigured endpoints point at a real host: store messages, do not deliver
    databaseUrl = TestDatabase.freshDatabaseUrl();
    adminToken = TestTokens.admin(vertx);
    for (int i = 0; i < 2; i++) {
      hazelcastPorts[i] = freePort();
      httpPorts[i] = freePort();
    }
    ExamplePublisher.classpath(); // compile while nothing else runs
    nodes[0] = startNode(0);
    nodes[1] = startNode(1);
    for (JavaProcess node : nodes) {
      node.awaitOutput("Webhook service ready", 180);
    }
    awaitMembers(0, 2);
    awaitMembers(1, 2);
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (JavaProcess node : nodes) {
      if (node != null) {
        node.stop();
      }
    }
    if (svix != null) {
      SvixStandIn.block(svix.stop(), Duration.ofSeconds(10));
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------ the example publisher

  @Test
  @Order(1)
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void examplePublisherRequestsAndGetsTheDurableAcknowledgement() throws Exception {
    assertThat(ExamplePublisher.allowedJars()).as("the publisher runs on Vert.x core and Hazelcast only")
      .anyMatch(j -> j.contains("vertx-core-")).anyMatch(j -> j.contains("vertx-hazelcast-"))
      .anyMatch(j -> j.contains("hazelcast-5")).noneMatch(j -> j.contains("webhook"))
      .noneMatch(j -> j.contains("vertx-web")).noneMatch(j -> j.contains("svix"));
    String org = "org-ack-" + run;

    JavaProcess events = publisher("request", "sandbox.created", org, 3);
    assertThat(events.waitFor(90)).as(events.output()).isZero();
    List<JsonObject> acks = acks(events);
    assertThat(acks).as(events.output()).hasSize(3)
      .allSatisfy(ack -> assertThat(ack.getString("status")).isEqualTo("queued"))
      .allSatisfy(ack -> assertThat(ack.getString("eventId")).matches("[a-zA-Z0-9._-]{1,256}"));
    // acknowledged means committed: every acknowledged event is in the outbox
    for (JsonObject ack : acks) {
      assertThat(outboxRows(org, ack.getString("eventId"))).as(ack.encode()).isEqualTo(1);
    }
    awaitTrue(Duration.ofSeconds(60), () -> acks.stream().allMatch(a -> svix.messagesCreated(a.getString("eventId")) == 1),
      () -> "every acknowledged event reaches Svix; messages: " + svix.messages(org));
    assertThat(svix.messages(org)).hasSize(3)
      .allSatisfy(m -> assertThat(m.eventType()).isEqualTo("sandbox.created"))
      .allSatisfy(m -> assertThat(m.payload().getString("organizationId")).isEqualTo(org))
      .allSatisfy(m -> assertThat(m.payload().getString("class")).isEqualTo("small"));

    String newOrg = "org-new-" + run;
    JavaProcess created = publisher("request", "organization.created", newOrg, 1);
    assertThat(created.waitFor(90)).as(created.output()).isZero();
    List<JsonObject> orgAcks = acks(created);
    assertThat(orgAcks).as(created.output()).hasSize(1);
    assertThat(orgAcks.get(0).getString("organizationId")).isEqualTo(newOrg);
    assertThat(orgAcks.get(0).getString("status")).isNotBlank();
    awaitInitialized(newOrg);
  }

  // ------------------------------------------------------------------ two nodes, one database

  @Test
  @Order(2)
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void everyPlatformEventPublishedOnEitherNodeReachesSvixOnce() throws Exception {
    String org = "org-burst-" + run;
    // publish: every node receives every event and both store it; sent once all the same
    JavaProcess published = publisher("publish", "sandbox.created", org, 100);
    // send: each event goes to one node or the other
    JavaProcess sent = publisher("send", "snapshot.created", org, 100);
    // publish without eventId or timestamp: both nodes derive the same id from the body's content
    JavaProcess untimed = ExamplePublisher.start(publisherArgs("publish", "volume.created", org, 30,
      "--timestamps", "no"));
    assertThat(published.waitFor(90)).as(published.output()).isZero();
    assertThat(sent.waitFor(90)).as(sent.output()).isZero();
    assertThat(untimed.waitFor(90)).as(untimed.output()).isZero();
    Set<String> ids = new HashSet<>();
    for (JavaProcess p : List.of(published, sent, untimed)) {
      ExamplePublisher.lines(p, "SENT").forEach(line -> ids.add(new JsonObject(line.substring(line.indexOf(' ') + 1))
        .getString("id")));
    }
    // custom webhooks through the REST API of both nodes
    Set<String> apiEventIds = new HashSet<>();
    String token = TestTokens.user(vertx, "user", org);
    for (int i = 0; i < 20; i++) {
      String eventId = "api-" + run + "-" + i;
      apiEventIds.add(eventId);
      HttpResponse<String> r = post(i % 2, "/api/webhooks/organizations/" + org + "/send", token,
        new JsonObject().put("eventType", "custom.ping").put("eventId", eventId)
          .put("payload", new JsonObject().put("n", i)));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      // the same eventId through the other node: a duplicate, not a second message
      HttpResponse<String> again = post((i + 1) % 2, "/api/webhooks/organizations/" + org + "/send", token,
        new JsonObject().put("eventType", "custom.ping").put("eventId", eventId)
          .put("payload", new JsonObject().put("n", i)));
      assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
      assertThat(new JsonObject(again.body()).getBoolean("duplicate")).as(again.body()).isTrue();
    }
    assertThat(ids).hasSize(230);

    awaitTrue(Duration.ofSeconds(90), () -> svix.messages(org).size() >= 250,
      () -> "250 messages in Svix, got " + svix.messages(org).size());
    List<StoredMessage> messages = svix.messages(org);
    Map<String, Long> perResource = messages.stream().filter(m -> m.payload().containsKey("id"))
      .collect(Collectors.groupingBy(m -> m.payload().getString("id"), Collectors.counting()));
    assertThat(perResource.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(perResource.values()).allMatch(n -> n == 1);
    assertThat(messages).filteredOn(m -> m.eventType().equals("custom.ping")).extracting(StoredMessage::eventId)
      .containsExactlyInAnyOrderElementsOf(apiEventIds);
    messages.forEach(m -> assertThat(svix.messagesCreated(m.eventId())).as(m.eventId()).isEqualTo(1));
    assertThat(messages).hasSize(250);
    assertThat(messages).filteredOn(m -> m.eventType().equals("volume.created"))
      .allSatisfy(m -> assertThat(m.payload().containsKey("createdAt")).isTrue()) // the service adds it
      .hasSize(30);
    try (Connection c = TestDatabase.connect(databaseUrl);
         PreparedStatement st = c.prepareStatement(
           "SELECT count(*), count(DISTINCT event_id) FROM event_outbox WHERE organization_id = ?")) {
      st.setString(1, org);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(250);
        assertThat(rs.getLong(2)).isEqualTo(250);
      }
    }
  }

  @Test
  @Order(3)
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void organizationCreatedPublishedToBothNodesInitializesOnce() throws Exception {
    String org = "org-both-" + run;
    JavaProcess published = publisher("publish", "organization.created", org, 5);
    assertThat(published.waitFor(90)).as(published.output()).isZero();
    for (int i = 0; i < 5; i++) {
      awaitInitialized(org + "-" + i);
    }
    for (int i = 0; i < 5; i++) {
      String o = org + "-" + i;
      assertThat(svix.apps()).filteredOn(a -> o.equals(a.uid())).hasSize(1);
      assertThat(svix.endpoints(o)).as(o).hasSize(5);
      for (int node = 0; node < 2; node++) {
        JsonObject status = new JsonObject(get(node, "/api/webhooks/organizations/" + o + "/initialization-status").body());
        assertThat(status.getString("status")).isEqualTo("INITIALIZED");
        assertThat(status.getJsonArray("endpointIds")).hasSize(5);
      }
    }
  }

  @Test
  @Order(4)
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void sockJsClientOnNodeBReceivesEventsCausedOnNodeA() throws Exception {
    String org = "org-live-" + run;
    String token = TestTokens.user(vertx, "user", org);
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    WebSocket socket = http.newWebSocketBuilder()
      .buildAsync(URI.create("ws://" + LOCALHOST + ":" + httpPorts[1] + "/api/webhook-socket.io/websocket"),
        new Collector(frames))
      .get(30, TimeUnit.SECONDS);
    try {
      socket.sendText(new JsonObject().put("type", "register").put("address", "webhooks.org." + org)
        .put("headers", new JsonObject().put("Authorization", "Bearer " + token)).encode(), true).get(10, TimeUnit.SECONDS);
      // The registration reaches the other node through Hazelcast asynchronously (the bridge gives no
      // receipt): create endpoints on node A until the first one is seen on node B ...
      String firstSeen = null;
      for (int attempt = 0; attempt < 10 && firstSeen == null; attempt++) {
        String id = createEndpoint(0, org, token, "https://example.com/first-" + attempt);
        firstSeen = awaitEndpointEvent(frames, "endpoint.created", id, Duration.ofSeconds(3)) ? id : null;
      }
      assertThat(firstSeen).as("an endpoint created on node A is seen by a SockJS client of node B").isNotNull();
      // ... from then on every event caused on node A arrives on node B
      for (int i = 0; i < 3; i++) {
        String id = createEndpoint(0, org, token, "https://example.com/next-" + i);
        assertThat(awaitEndpointEvent(frames, "endpoint.created", id, Duration.ofSeconds(10)))
          .as("endpoint.created of " + id).isTrue();
      }
      HttpResponse<String> deleted = send(0, HttpRequest.newBuilder(uri(0, "/api/webhooks/organizations/" + org
        + "/endpoints/" + firstSeen)).header("Authorization", "Bearer " + token).DELETE());
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
      assertThat(awaitEndpointEvent(frames, "endpoint.deleted", firstSeen, Duration.ofSeconds(10))).isTrue();
    } finally {
      socket.abort();
    }
  }

  @Test
  @Order(5)
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void statusListsBothMembers() throws Exception {
    for (int node = 0; node < 2; node++) {
      JsonObject cluster = status(node).getJsonObject("cluster");
      assertThat(cluster.getBoolean("enabled")).isTrue();
      assertThat(cluster.getJsonArray("members").getList()).containsExactlyInAnyOrder(member(0), member(1));
    }
  }

  // ------------------------------------------------------------------ node failure

  @Test
  @Order(6)
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void killedNodeLosesNothingAcknowledgedAndRejoins() throws Exception {
    String org = "org-kill-" + run;
    JavaProcess burst = ExamplePublisher.start(publisherArgs("request", "sandbox.created", org, 300,
      "--interval-ms", "15", "--timeout-ms", "5000", "--retries", "30"));
    awaitTrue(Duration.ofSeconds(60), () -> {
      assertThat(burst.process().isAlive() || ExamplePublisher.lines(burst, "ACK").size() >= 60)
        .as(burst.output()).isTrue();
      return ExamplePublisher.lines(burst, "ACK").size() >= 60;
    }, () -> "the burst is under way: " + burst.output());
    nodes[1].kill(); // kill -9 in the middle of the burst
    int ackedBeforeKill = ExamplePublisher.lines(burst, "ACK").size();
    assertThat(burst.waitFor(180)).as("publisher exit; output:\n" + burst.output()).isIn(0, 1);

    List<JsonObject> acks = acks(burst);
    System.out.printf("kill burst: %d acknowledged before the kill, %d in all, %d retries; %s%n", ackedBeforeKill,
      acks.size(), ExamplePublisher.lines(burst, "RETRY").size(), ExamplePublisher.lines(burst, "DONE"));
    assertThat(acks.size()).as("acknowledged after the kill too").isGreaterThan(ackedBeforeKill);
    Set<String> eventIds = acks.stream().map(a -> a.getString("eventId")).collect(Collectors.toSet());
    awaitTrue(Duration.ofSeconds(120), () -> eventIds.stream().allMatch(id -> svix.messagesCreated(id) == 1),
      () -> "every acknowledged event reaches Svix; missing: " + eventIds.stream()
        .filter(id -> svix.messagesCreated(id) != 1).limit(10).toList());
    List<StoredMessage> messages = svix.messages(org);
    Map<String, Long> perResource = messages.stream()
      .collect(Collectors.groupingBy(m -> m.payload().getString("id"), Collectors.counting()));
    assertThat(perResource.values()).as("nothing twice").allMatch(n -> n == 1);
    assertThat(messages.stream().map(StoredMessage::eventId).collect(Collectors.toSet())).containsAll(eventIds);

    // the killed node comes back and rejoins
    nodes[1] = startNode(1);
    nodes[1].awaitOutput("Webhook service ready", 180);
    awaitMembers(0, 2);
    awaitMembers(1, 2);
    JavaProcess after = publisher("request", "sandbox.created", org + "-after", 10);
    assertThat(after.waitFor(90)).as(after.output()).isZero();
    assertThat(acks(after)).hasSize(10);
  }

  // ------------------------------------------------------------------ helpers

  private JavaProcess startNode(int i) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("CLUSTER", "true");
    env.put("CLUSTER_HOST", LOCALHOST);
    env.put("CLUSTER_PORT", String.valueOf(hazelcastPorts[i]));
    env.put("CLUSTER_MEMBERS", member(0) + "," + member(1));
    env.put("CLUSTER_NAME", clusterName);
    env.put("DATABASE_URL", databaseUrl);
    env.put("WEBHOOKS_DATA_DIR", Files.createTempDirectory("webhooks-node").toString());
    env.put("SVIX_AUTH_TOKEN", svix.token());
    env.put("SVIX_SERVER_URL", svix.serverUrl());
    env.put("JWT_SECRET", TestTokens.SECRET);
    env.put("HTTP_HOST", LOCALHOST);
    env.put("HTTP_PORT", String.valueOf(httpPorts[i]));
    env.put("OUTBOX_POLL_INTERVAL_MS", "200");
    env.put("OUTBOX_LEASE_MS", "5000"); // a killed node's claimed rows are taken over after 5 s
    return JavaProcess.start(MAIN, env);
  }

  private String member(int i) {
    return LOCALHOST + ":" + hazelcastPorts[i];
  }

  private JavaProcess publisher(String mode, String event, String org, int count) throws Exception {
    return ExamplePublisher.start(publisherArgs(mode, event, org, count));
  }

  private String[] publisherArgs(String mode, String event, String org, int count, String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("--members", member(0) + "," + member(1), "--host", LOCALHOST,
      "--port", String.valueOf(freePort()), "--cluster-name", clusterName, "--event", event, "--org", org,
      "--count", String.valueOf(count), "--mode", mode, "--run-id", run));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private static List<JsonObject> acks(JavaProcess publisher) {
    return ExamplePublisher.lines(publisher, "ACK").stream()
      .map(line -> new JsonObject(line.substring(line.indexOf(' ') + 1))).toList();
  }

  private void awaitMembers(int node, int count) throws Exception {
    awaitTrue(Duration.ofSeconds(90), () -> {
      try {
        JsonArray members = status(node).getJsonObject("cluster").getJsonArray("members");
        return members.size() == count && members.contains(member(0)) && members.contains(member(1));
      } catch (Exception e) {
        return false;
      }
    }, () -> "node " + node + " lists " + count + " members: " + safeStatus(node));
  }

  private void awaitInitialized(String org) throws Exception {
    awaitTrue(Duration.ofSeconds(60), () -> {
      Optional<StoredApp> app = svix.app(org);
      return app.isPresent() && svix.endpoints(org).size() >= 5;
    }, () -> org + " initialized in Svix: apps " + svix.apps().stream().map(StoredApp::uid).toList());
    assertThat(svix.apps()).filteredOn(a -> org.equals(a.uid())).hasSize(1);
    assertThat(svix.endpoints(org)).hasSize(5);
  }

  private String safeStatus(int node) {
    try {
      return status(node).encode();
    } catch (Exception e) {
      return e.toString();
    }
  }

  private JsonObject status(int node) throws Exception {
    HttpResponse<String> r = get(node, "/api/webhooks/status");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private int outboxRows(String org, String eventId) throws Exception {
    try (Connection c = TestDatabase.connect(databaseUrl);
         PreparedStatement st = c.prepareStatement(
           "SELECT count(*) FROM event_outbox WHERE organization_id = ? AND event_id = ?")) {
      st.setString(1, org);
      st.setString(2, eventId);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private String createEndpoint(int node, String org, String token, String url) throws Exception {
    HttpResponse<String> r = post(node, "/api/webhooks/organizations/" + org + "/endpoints", token,
      new JsonObject().put("url", url));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new JsonObject(r.body()).getString("id");
  }

  /** Waits for a bridge frame carrying a real-time message of {@code type} about endpoint {@code id}. */
  private static boolean awaitEndpointEvent(BlockingQueue<JsonObject> frames, String type, String id, Duration timeout)
    throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      JsonObject frame = frames.poll(left, TimeUnit.NANOSECONDS);
      if (frame == null) {
        return false;
      }
      JsonObject body = frame.getValue("body") instanceof JsonObject b ? b : null;
      if ("rec".equals(frame.getString("type")) && body != null && type.equals(body.getString("type"))
        && body.getValue("data") instanceof JsonObject data && id.equals(data.getString("id"))) {
        assertThat(body.getString("organizationId")).isNotBlank();
        assertThat(body.getString("timestamp")).isNotBlank();
        return true;
      }
      assertThat(frame.getString("type")).as("no error frame: " + frame.encode()).isNotEqualTo("err");
    }
    return false;
  }

  private URI uri(int node, String path) {
    return URI.create("http://" + LOCALHOST + ":" + httpPorts[node] + path);
  }

  private HttpResponse<String> get(int node, String path) throws Exception {
    return send(node, HttpRequest.newBuilder(uri(node, path)).header("Authorization", "Bearer " + adminToken).GET());
  }

  private HttpResponse<String> post(int node, String path, String token, JsonObject body) throws Exception {
    return send(node, HttpRequest.newBuilder(uri(node, path)).header("Authorization", "Bearer " + token)
      .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private HttpResponse<String> send(int node, HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Polls {@code condition} (an outside process's state) until true, or fails with the description. */
  private static void awaitTrue(Duration timeout, BooleanSupplier condition, Supplier<String> description)
    throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + ": " + description.get());
      }
      Thread.sleep(200);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Collects the JSON text frames of a WebSocket. */
  /**
   * Collects the bridge's frames. The raw-WebSocket transport of the SockJS bridge writes each
   * message as a binary WebSocket frame (the SockJS transports as text): both are read.
   */
  private static final class Collector implements WebSocket.Listener {
    private final BlockingQueue<JsonObject> frames;
    private final StringBuilder partial = new StringBuilder();
    private final java.io.ByteArrayOutputStream partialBinary = new java.io.ByteArrayOutputStream();

    Collector(BlockingQueue<JsonObject> frames) {
      this.frames = frames;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        frames.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, java.nio.ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      partialBinary.writeBytes(bytes);
      if (last) {
        frames.add(new JsonObject(partialBinary.toString(java.nio.charset.StandardCharsets.UTF_8)));
        partialBinary.reset();
      }
      webSocket.request(1);
      return null;
    }
  }
}
