package io.daytona.webhooks.cluster;

import io.daytona.webhooks.config.ConfigException;
import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * CLUSTER_TLS_*: the event bus between nodes runs TLS with client certificates. Three members of one Hazelcast
 * cluster in this JVM, built exactly as the service builds its clustered Vert.x (Clustering): two with
 * certificates signed by the CA (made here with openssl, as the README shows), one without; the one without
 * neither receives what the others publish nor reaches them.
 */
class ClusterTlsTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static Path dir;
  private final List<Vertx> nodes = new ArrayList<>();

  @BeforeAll
  static void certificates() throws Exception {
    dir = Files.createTempDirectory("cluster-tls");
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=webhooks-test-ca",
      "-keyout", "ca.key", "-out", "ca.pem");
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=node", "-keyout", "node.key", "-out", "node.csr");
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    run("openssl", "x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
      "-days", "2", "-extfile", "san.ext", "-out", "node.pem");
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
  }

  @AfterEach
  void stop() {
    for (Vertx v : nodes) {
      try {
        await(v.close());
      } catch (RuntimeException ignored) {
        // the others still close
      }
    }
  }

  @Test
  void aMemberWithoutACertificateNeitherReceivesNorSends() throws Exception {
    int[] ports = {freePort(), freePort(), freePort()};
    String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
    String name = "tls-" + UUID.randomUUID().toString().substring(0, 8);
    Vertx a = start(config(ports[0], members, name, true));
    Vertx b = start(config(ports[1], members, name, true));
    Vertx stranger = start(config(ports[2], members, name, false));

    String address = "webhooks.org.tls-org";
    List<JsonObject> atB = new CopyOnWriteArrayList<>();
    List<JsonObject> atStranger = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> cb = b.eventBus().consumer(address, m -> atB.add(m.body()));
    MessageConsumer<JsonObject> cs = stranger.eventBus().consumer(address, m -> atStranger.add(m.body()));
    await(cb.completion());
    await(cs.completion());
    List<JsonObject> probes = new CopyOnWriteArrayList<>();
    await(b.eventBus().<JsonObject>consumer("tls.probe", m -> probes.add(m.body())).completion());

    // the certified members talk: A's publishes reach B
    long deadline = System.nanoTime() + WAIT.toNanos();
    int sent = 0;
    while (atB.isEmpty() && System.nanoTime() < deadline) {
      a.eventBus().publish(address, new JsonObject().put("n", sent++));
      await(a.timer(100));
    }
    assertThat(atB).as("B receives A's publishes over TLS").isNotEmpty();
    for (int i = 0; i < 20; i++) {
      a.eventBus().publish(address, new JsonObject().put("n", sent++));
      stranger.eventBus().send("tls.probe", new JsonObject().put("from", "stranger"));
      await(a.timer(50));
    }
    await(a.timer(1000));
    assertThat(atB.size()).isGreaterThan(1);
    assertThat(atStranger).as("the member without a certificate receives nothing").isEmpty();
    assertThat(probes).as("nor reaches the others").isEmpty();
  }

  @Test
  void theThreeFilesGoTogetherAndMustBePem() throws Exception {
    Map<String, String> partial = new HashMap<>(Map.of("JWT_SECRET", "x".repeat(40),
      "CLUSTER_TLS_CERT", dir.resolve("node.pem").toString()));
    assertThatThrownBy(() -> ServiceConfig.from(partial)).isInstanceOf(ConfigException.class)
      .hasMessageContaining("CLUSTER_TLS_KEY");
    Path notPem = Files.writeString(dir.resolve("not.pem"), "hello");
    Map<String, String> bad = new HashMap<>(Map.of("JWT_SECRET", "x".repeat(40),
      "CLUSTER_TLS_CERT", notPem.toString(), "CLUSTER_TLS_KEY", dir.resolve("node.key").toString(),
      "CLUSTER_TLS_CA", dir.resolve("ca.pem").toString()));
    assertThatThrownBy(() -> ServiceConfig.from(bad)).isInstanceOf(ConfigException.class)
      .hasMessageContaining("CLUSTER_TLS_CERT").hasMessageContaining("not a PEM file");
  }

  private static ServiceConfig config(int port, String members, String name, boolean tls) {
    Map<String, String> values = new HashMap<>(Map.of("CLUSTER", "true", "CLUSTER_HOST", "127.0.0.1",
      "CLUSTER_PORT", Integer.toString(port), "CLUSTER_MEMBERS", members, "CLUSTER_NAME", name,
      "JWT_SECRET", "x".repeat(40)));
    if (tls) {
      values.put("CLUSTER_TLS_CERT", dir.resolve("node.pem").toString());
      values.put("CLUSTER_TLS_KEY", dir.resolve("node.key").toString());
      values.put("CLUSTER_TLS_CA", dir.resolve("ca.pem").toString());
    }
    return ServiceConfig.from(values);
  }

  private Vertx start(ServiceConfig config) {
    VertxOptions options = new VertxOptions();
    Clustering.configureEventBus(options.getEventBusOptions(), config);
    Vertx v = await(Vertx.builder().with(options).withClusterManager(Clustering.clusterManager(config)).buildClustered());
    nodes.add(v);
    return v;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static <T> T await(Future<T> f) {
    return SvixStandIn.block(f, WAIT);
  }
}
