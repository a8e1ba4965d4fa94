package io.daytona.webhooks.provider.builtin;

import io.daytona.webhooks.testsupport.JavaProcess;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static io.daytona.webhooks.testsupport.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built-in delivery as operators run it, in separate JVMs on one PostgreSQL: two clustered nodes deliver
 * every event once between them; a node killed with SIGKILL mid-burst loses nothing it acknowledged.
 */
class BuiltinProcessesTest {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String MAIN = "io.daytona.webhooks.Main";
  private static final String LOCALHOST = "127.0.0.1";

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<JavaProcess> processes = new ArrayList<>();
  private Vertx vertx;
  private Receiver receiver;
  private String databaseUrl;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    receiver = SvixStandIn.block(new Receiver(vertx).start(), WAIT);
    databaseUrl = TestDatabase.freshDatabaseUrl();
  }

  @AfterEach
  void stop() throws Exception {
    for (JavaProcess p : processes) {
      p.kill();
    }
    SvixStandIn.block(receiver.stop(), WAIT);
    vertx.close().await();
  }

  @Test
  void twoClusteredNodesDeliverFiveHundredEventsEachOnce() throws Exception {
    int[] hazelcast = {freePort(), freePort()};
    int[] httpPorts = {freePort(), freePort()};
    String members = LOCALHOST + ":" + hazelcast[0] + "," + LOCALHOST + ":" + hazelcast[1];
    String cluster = "webhooks-builtin-" + UUID.randomUUID().toString().substring(0, 8);
    List<JavaProcess> nodes = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Map<String, String> env = env(httpPorts[i]);
      env.put("CLUSTER", "true");
      env.put("CLUSTER_HOST", LOCALHOST);
      env.put("CLUSTER_PORT", String.valueOf(hazelcast[i]));
      env.put("CLUSTER_MEMBERS", members);
      env.put("CLUSTER_NAME", cluster);
      nodes.add(launch(env));
    }
    for (JavaProcess node : nodes) {
      node.awaitOutput("Webhook service ready", 180);
    }
    String org = "org-" + UUID.randomUUID();
    String path = "/cluster/" + org;
    createEndpoint(httpPorts[0], org, path);

    // 500 events, half through each node, eight at a time
    AtomicInteger next = new AtomicInteger();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    List<CompletableFuture<Void>> senders = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      senders.add(CompletableFuture.runAsync(() -> {
        for (int i = next.getAndIncrement(); i < 500; i = next.getAndIncrement()) {
          String eventId = "cluster-" + i;
          if (send(httpPorts[i % 2], org, eventId, i) == 202) {
            acknowledged.add(eventId);
          }
        }
      }));
    }
    CompletableFuture.allOf(senders.toArray(new CompletableFuture[0])).get();
    assertThat(acknowledged).hasSize(500);

    eventually(() -> receiver.at(path).size() >= 500, WAIT);
    // let any second delivery that would come arrive before counting
    String marker = "cluster-marker";
    assertThat(send(httpPorts[1], org, marker, -1)).isEqualTo(202);
    eventually(() -> receiver.at(path).stream().anyMatch(r -> new JsonObject(r.body()).getInteger("seq") == -1), WAIT);
    List<Receiver.Received> got = receiver.at(path);
    assertThat(got).hasSize(501);
    assertThat(got.stream().map(r -> r.headers().get("webhook-id")).distinct().count()).isEqualTo(501);
    assertThat(got.stream().map(r -> new JsonObject(r.body()).getInteger("seq")).collect(Collectors.toSet())).hasSize(501);
  }

  @Test
  void everyAcknowledgedEventReachesTheReceiverAfterAKillNineWithOneWebhookIdPerMessage() throws Exception {
    // a slow receiver: a backlog of deliveries builds, so the crash leaves some claimed mid-attempt and many waiting
    receiver.delay(Duration.ofMillis(20));
    int port = freePort();
    JavaProcess first = launch(env(port));
    first.awaitOutput("Webhook service ready", 180);
    String org = "org-" + UUID.randomUUID();
    String path = "/kill/" + org;
    createEndpoint(port, org, path);

    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger next = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    List<CompletableFuture<Void>> senders = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      senders.add(CompletableFuture.runAsync(() -> {
        while (running.get()) {
          int i = next.getAndIncrement();
          String eventId = "kill-" + i;
          try {
            if (send(port, org, eventId, i) == 202) {
              acknowledged.add(eventId);
            }
          } catch (RuntimeException refused) {
            // the process is gone: not acknowledged
          }
        }
      }));
    }
    eventually(() -> acknowledged.size() >= 400 && receiver.at(path).size() >= 20, WAIT);
    first.kill();
    running.set(false);
    CompletableFuture.allOf(senders.toArray(new CompletableFuture[0])).get();
    int ackedAtCrash = acknowledged.size();
    int deliveredAtCrash = receiver.at(path).size();
    assertThat(deliveredAtCrash).as("the crash left acknowledged events undelivered").isLessThan(ackedAtCrash);

    receiver.delay(Duration.ZERO);
    JavaProcess second = launch(env(port));
    second.awaitOutput("Webhook service ready", 180);
    eventually(() -> seqs(receiver.at(path)).containsAll(acknowledged), WAIT);

    // one webhook-id per message: a delivery repeated after the crash carries the id of the first
    Map<String, Set<String>> idsPerEvent = new HashMap<>();
    for (Receiver.Received r : receiver.at(path)) {
      idsPerEvent.computeIfAbsent("kill-" + new JsonObject(r.body()).getInteger("seq"), k -> new java.util.HashSet<>())
        .add(r.headers().get("webhook-id"));
    }
    for (String id : acknowledged) {
      assertThat(idsPerEvent.get(id)).as(id).hasSize(1);
    }
    System.out.printf("builtin kill -9: %d acknowledged, %d delivered at the crash, %d requests after restart%n",
      ackedAtCrash, deliveredAtCrash, receiver.at(path).size());
  }

  // ---------------------------------------------------------------- helpers

  private static Set<String> seqs(List<Receiver.Received> got) {
    return got.stream().map(r -> "kill-" + new JsonObject(r.body()).getInteger("seq")).collect(Collectors.toSet());
  }

  private Map<String, String> env(int httpPort) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", databaseUrl);
    env.put("HTTP_HOST", LOCALHOST);
    env.put("HTTP_PORT", String.valueOf(httpPort));
    env.put("JWT_SECRET", TestTokens.SECRET);
    env.put("WEBHOOKS_DATA_DIR", Files.createTempDirectory("webhooks-builtin").toString());
    env.put("DELIVERY_PROVIDER", "builtin");
    env.put("DELIVERY_ALLOWED_NETWORKS", "127.0.0.0/8");
    env.put("DELIVERY_TIMEOUT_MS", "2000");
    env.put("DELIVERY_RETRY_SCHEDULE", "200ms,500ms,1s,1s,1s");
    env.put("OUTBOX_POLL_INTERVAL_MS", "100");
    env.put("OUTBOX_LEASE_MS", "2000");
    return env;
  }

  private JavaProcess launch(Map<String, String> env) throws Exception {
    JavaProcess p = JavaProcess.start(MAIN, env);
    processes.add(p);
    return p;
  }

  private void createEndpoint(int port, String org, String path) throws Exception {
    HttpResponse<String> r = http.send(request(port, "/organizations/" + org + "/endpoints", org,
      new JsonObject().put("url", receiver.url(path)).put("eventTypes", new JsonArray().add("load.test"))),
      HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  private int send(int port, String org, String eventId, int seq) {
    try {
      return http.send(request(port, "/organizations/" + org + "/send", org, new JsonObject()
          .put("eventType", "load.test").put("eventId", eventId).put("payload", new JsonObject().put("seq", seq))),
        HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpRequest request(int port, String path, String org, JsonObject body) {
    return HttpRequest.newBuilder(URI.create("http://" + LOCALHOST + ":" + port + "/api/webhooks" + path))
      .timeout(Duration.ofSeconds(10))
      .header("Authorization", "Bearer " + TestTokens.user(vertx, "loader", org))
      .header("Content-Type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
