package io.daytona.examples.publisher;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageProducer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A plain Vert.x application of "the platform" (not the webhook service) that joins the service's
 * Hazelcast cluster as a lite member (it holds no cluster data) and puts platform events on the
 * clustered event bus, the way any platform verticle would:
 *
 * <ul>
 *   <li>{@code request} (the durable way): {@code eventBus.request(eventType, payload)}; the service
 *   replies {@code {eventId, status: "queued"}} only once the event is committed to its outbox
 *   ({@code {organizationId, status}} for {@code organization.created}). A failure or a timeout means
 *   "not known to be stored": send the SAME payload again (the service derives the same eventId from it,
 *   so a retry is never delivered twice). This program does exactly that.</li>
 *   <li>{@code send}: one service node receives it; no acknowledgement.</li>
 *   <li>{@code publish}: every service node receives it; they store it once (same derived eventId).</li>
 * </ul>
 *
 * Output, one line each: {@code ACK <eventType> <reply JSON>}, {@code RETRY ...}, {@code FAILED ...},
 * {@code SENT <eventType> <payload JSON>}, and at the end {@code DONE mode=... events=N acknowledged=N failed=N}.
 * Exit code 0 when every event was acknowledged (or sent), 1 otherwise, 2 on bad arguments.
 */
public final class PlatformPublisher {

  // Hazelcast logs through java.util.logging here; keep the loggers referenced so the levels stick
  private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");
  private static final Logger VERTX_LOG = Logger.getLogger("io.vertx");

  static final String USAGE = """
    Usage: java -jar platform-publisher.jar [options]
      --members  host:port,...  Hazelcast addresses of the service nodes   (env CLUSTER_MEMBERS, default 127.0.0.1:5701)
      --host     address        this publisher's address, reachable by the nodes (env CLUSTER_HOST, default 127.0.0.1)
      --port     n              this publisher's Hazelcast port           (env PUBLISHER_PORT, default 5799)
      --eventbus-port n         this publisher's event-bus port, 0 = any  (env PUBLISHER_EVENTBUS_PORT, default 0)
      --cluster-name name       the service's CLUSTER_NAME                (env CLUSTER_NAME, default webhook-service)
      --event    type           e.g. sandbox.created, snapshot.removed, organization.created (default sandbox.created)
      --org      id             organization id (default org-example)
      --count    n              how many events (default 1)
      --mode     request|send|publish   (default request)
      --interval-ms n           one event every n ms (default 0: as fast as --concurrency allows)
      --concurrency n           requests in flight when --interval-ms is 0 (default 8)
      --timeout-ms n            reply timeout of one request (default 10000)
      --retries n               attempts after the first for a failed or timed-out request (default 10)
      --run-id id               makes the resource ids unique per run (default: random)
      --timestamps yes|no       no: the bodies carry no createdAt/updatedAt/removedAt/lastUsedAt, so the
                                service derives each eventId from the body's content (default yes)
    """;

  private final Map<String, String> options;
  private final String mode;
  private final boolean timestamps;
  private final String eventType;
  private final String org;
  private final int count;
  private final long intervalMs;
  private final int concurrency;
  private final long timeoutMs;
  private final int retries;
  private final String runId;
  private final Instant base = Instant.now();

  private final AtomicInteger acknowledged = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger finished = new AtomicInteger();
  private final AtomicInteger next = new AtomicInteger();
  private final CompletableFuture<Void> done = new CompletableFuture<>();

  private Vertx vertx;
  private MessageProducer<JsonObject> producer;

  private PlatformPublisher(Map<String, String> options) {
    this.options = options;
    mode = option("mode", null, "request");
    if (!List.of("request", "send", "publish").contains(mode)) {
      throw new IllegalArgumentException("--mode must be request, send or publish");
    }
    eventType = option("event", null, "sandbox.created");
    org = option("org", null, "org-example");
    count = Integer.parseInt(option("count", null, "1"));
    intervalMs = Long.parseLong(option("interval-ms", null, "0"));
    concurrency = Math.max(1, Integer.parseInt(option("concurrency", null, "8")));
    timeoutMs = Long.parseLong(option("timeout-ms", null, "10000"));
    retries = Integer.parseInt(option("retries", null, "10"));
    runId = option("run-id", null, UUID.randomUUID().toString().substring(0, 8));
    timestamps = !"no".equals(option("timestamps", null, "yes"));
  }

  public static void main(String[] args) throws Exception {
    HAZELCAST_LOG.setLevel(Level.WARNING);
    VERTX_LOG.setLevel(Level.WARNING);
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--help") || args[i].equals("-h")) {
        System.out.print(USAGE);
        return;
      }
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        System.err.println("Bad argument: " + args[i]);
        System.err.print(USAGE);
        System.exit(2);
      }
      options.put(args[i].substring(2), args[++i]);
    }
    PlatformPublisher publisher;
    try {
      publisher = new PlatformPublisher(options);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    System.exit(publisher.run());
  }

  private int run() throws Exception {
    String host = option("host", "CLUSTER_HOST", "127.0.0.1");
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(hazelcastConfig(host));
    VertxOptions vertxOptions = new VertxOptions();
    int eventBusPort = Integer.parseInt(option("eventbus-port", "PUBLISHER_EVENTBUS_PORT", "0"));
    // the service nodes send their replies to this address
    vertxOptions.getEventBusOptions().setHost(isLocalAddress(host) ? host : "0.0.0.0").setPort(eventBusPort)
      .setClusterPublicHost(host);
    vertx = Vertx.builder().with(vertxOptions).withClusterManager(clusterManager).buildClustered()
      .toCompletionStage().toCompletableFuture().get();
    System.out.println("JOINED " + clusterManager.getHazelcastInstance().getCluster().getMembers().size()
      + " members; " + mode + " " + count + " x " + eventType + " for " + org);
    try {
      if (intervalMs > 0) {
        vertx.setPeriodic(1, intervalMs, timer -> {
          int i = next.getAndIncrement();
          if (i >= count) {
            vertx.cancelTimer(timer);
          } else {
            emit(i, 0);
          }
        });
      } else {
        for (int w = 0; w < Math.min(concurrency, count); w++) {
          emitNext();
        }
      }
      if (count == 0) {
        done.complete(null);
      }
      done.get();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
    System.out.println("DONE mode=" + mode + " events=" + count + " acknowledged=" + acknowledged.get()
      + " failed=" + failed.get());
    return failed.get() == 0 ? 0 : 1;
  }

  private void emitNext() {
    int i = next.getAndIncrement();
    if (i < count) {
      emit(i, 0);
    }
  }

  private void emit(int i, int attempt) {
    JsonObject payload = payload(i);
    EventBus bus = vertx.eventBus();
    switch (mode) {
      // publish and send do not wait for any node: their future completes once the message is written to
      // the connection (finishing before that, e.g. closing Vert.x, would lose it)
      case "publish", "send" -> {
        MessageProducer<JsonObject> producer = producer(mode);
        producer.write(payload).onComplete(ar -> {
          if (ar.succeeded()) {
            System.out.println("SENT " + eventType + " " + payload.encode());
          } else {
            System.out.println("FAILED " + eventType + " " + payload.getString("id") + " " + ar.cause().getMessage());
          }
          finish(ar.succeeded());
        });
      }
      default -> bus.<JsonObject>request(eventType, payload, new DeliveryOptions().setSendTimeout(timeoutMs))
        .onSuccess(reply -> {
          System.out.println("ACK " + eventType + " " + reply.body().encode());
          finish(true);
        })
        .onFailure(err -> {
          String why = err instanceof ReplyException re
            ? re.failureType() + " " + re.failureCode() + " " + re.getMessage()
            : String.valueOf(err.getMessage());
          // a 400 is a bad body (kept in the service's dead letters): sending it again cannot help
          boolean badBody = err instanceof ReplyException re && re.failureCode() == 400;
          if (attempt < retries && !badBody) {
            System.out.println("RETRY " + eventType + " " + payload.getString("id") + " " + why);
            vertx.setTimer(500L * Math.min(attempt + 1, 4), t -> emit(i, attempt + 1));
          } else {
            System.out.println("FAILED " + eventType + " " + payload.getString("id") + " " + why);
            finish(false);
          }
        });
    }
  }

  private synchronized MessageProducer<JsonObject> producer(String mode) {
    if (producer == null) {
      producer = mode.equals("publish") ? vertx.eventBus().publisher(eventType) : vertx.eventBus().sender(eventType);
    }
    return producer;
  }

  private void finish(boolean ok) {
    (ok ? acknowledged : failed).incrementAndGet();
    if (finished.incrementAndGet() == count) {
      done.complete(null);
    } else if (intervalMs <= 0) {
      emitNext();
    }
  }

  /**
   * The body of event {@code i}: the webhook payload, which must carry {@code id} and {@code organizationId}.
   * It is the same on every attempt (its timestamp included), so the service derives the same eventId.
   */
  JsonObject payload(int i) {
    JsonObject body = timestamped(i);
    if (!timestamps) {
      for (String field : new String[] {"createdAt", "updatedAt", "removedAt", "lastUsedAt"}) {
        body.remove(field);
      }
    }
    return body;
  }

  private JsonObject timestamped(int i) {
    String at = base.plusMillis(i).toString();
    String id = (count == 1 ? "" : i + "-") + runId;
    return switch (eventType) {
      case "organization.created" -> new JsonObject().put("id", count == 1 ? org : org + "-" + i)
        .put("name", "Organization " + (count == 1 ? org : org + "-" + i));
      case "sandbox.created" -> new JsonObject().put("id", "sbx-" + id).put("organizationId", org)
        .put("state", "started").put("class", "small").put("createdAt", at);
      case "sandbox.state.updated" -> new JsonObject().put("id", "sbx-" + id).put("organizationId", org)
        .put("oldState", "starting").put("newState", "started").put("updatedAt", at);
      case "sandbox.desired-state.updated" -> new JsonObject().put("id", "sbx-" + id).put("organizationId", org)
        .put("oldDesiredState", "started").put("newDesiredState", "stopped").put("updatedAt", at);
      case "snapshot.created" -> new JsonObject().put("id", "snap-" + id).put("name", "snapshot-" + id)
        .put("organizationId", org).put("state", "pending").put("createdAt", at);
      case "snapshot.state.updated" -> new JsonObject().put("id", "snap-" + id).put("name", "snapshot-" + id)
        .put("organizationId", org).put("oldState", "pending").put("newState", "active").put("updatedAt", at);
      case "snapshot.removed" -> new JsonObject().put("id", "snap-" + id).put("name", "snapshot-" + id)
        .put("organizationId", org).put("removedAt", at);
      case "volume.created" -> new JsonObject().put("id", "vol-" + id).put("name", "volume-" + id)
        .put("organizationId", org).put("state", "creating").put("createdAt", at);
      case "volume.state.updated" -> new JsonObject().put("id", "vol-" + id).put("name", "volume-" + id)
        .put("organizationId", org).put("oldState", "creating").put("newState", "ready").put("updatedAt", at);
      case "volume.lastUsedAt.updated" -> new JsonObject().put("id", "vol-" + id).put("name", "volume-" + id)
        .put("organizationId", org).put("lastUsedAt", at);
      case "audit-log.created", "audit-log.updated" -> new JsonObject().put("id", "audit-" + id)
        .put("organizationId", org).put("action", "create").put("targetType", "sandbox")
        .put("targetId", "sbx-" + id).put(eventType.endsWith("created") ? "createdAt" : "updatedAt", at);
      default -> new JsonObject().put("id", "res-" + id).put("organizationId", org).put("createdAt", at);
    };
  }

  /**
   * Vert.x's Hazelcast data structures (vertx-hazelcast's default configuration) plus the same
   * network settings as the service: cluster name, TCP-IP join on the members, no multicast. A lite
   * member: it takes part in the cluster but owns no partition, so it can come and go freely.
   */
  private Config hazelcastConfig(String host) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(option("cluster-name", "CLUSTER_NAME", "webhook-service"));
    hz.setLiteMember(true);
    int port = Integer.parseInt(option("port", "PUBLISHER_PORT", "5799"));
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(port).setPortAutoIncrement(false).setReuseAddress(true);
    network.setPublicAddress(host + ":" + port);
    if (isLocalAddress(host)) {
      network.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
      hz.setProperty("hazelcast.socket.bind.any", "false");
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    List<String> members = new ArrayList<>(Arrays.stream(option("members", "CLUSTER_MEMBERS", "127.0.0.1:5701")
      .split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    join.getTcpIpConfig().setEnabled(true).setMembers(members);
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "jdk");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    // joining a running cluster: no need to wait for other members starting at the same time
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    return hz;
  }

  private String option(String name, String env, String fallback) {
    String v = options.get(name);
    if (v == null && env != null) {
      v = System.getenv(env);
    }
    return v == null || v.isBlank() ? fallback : v;
  }

  private static boolean isLocalAddress(String host) {
    if (!host.matches("[0-9.]+|.*:.*")) {
      return false;
    }
    try {
      InetAddress address = InetAddress.getByName(host);
      return address.isLoopbackAddress() || NetworkInterface.getByInetAddress(address) != null;
    } catch (Exception e) {
      return false;
    }
  }
}
