package io.daytona.webhooks.delivery;

import io.daytona.webhooks.testsupport.JavaProcess;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredMessage;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static io.daytona.webhooks.testsupport.Eventually.eventually;
import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service as a real process, killed with SIGKILL in the middle of a burst of {@code POST …/send}
 * requests: after a restart on the same database every acknowledged (202) event reaches Svix exactly once.
 */
@ExtendWith(VertxExtension.class)
class KillNineTest {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int ORGS = 4;

  private SvixStandIn standIn;
  private JavaProcess process;

  @AfterEach
  void tearDown() throws Exception {
    if (process != null) {
      process.kill();
    }
    if (standIn != null) {
      block(standIn.stop(), WAIT);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private JavaProcess startService(String databaseUrl, int port) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", databaseUrl);
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("HTTP_PORT", String.valueOf(port));
    env.put("JWT_SECRET", TestTokens.SECRET);
    env.put("WEBHOOKS_DATA_DIR", Files.createTempDirectory("webhooks-kill").toString());
    env.put("SVIX_AUTH_TOKEN", standIn.token());
    env.put("SVIX_SERVER_URL", standIn.serverUrl());
    env.put("OUTBOX_POLL_INTERVAL_MS", "100");
    env.put("OUTBOX_BACKOFF_BASE_MS", "20");
    env.put("OUTBOX_BACKOFF_MAX_MS", "300");
    env.put("OUTBOX_LEASE_MS", "2000");
    JavaProcess p = JavaProcess.start("io.daytona.webhooks.Main", env);
    p.awaitOutput("Webhook service ready", 120);
    return p;
  }

  private static long count(String databaseUrl, String sql) {
    try (Connection c = TestDatabase.connect(databaseUrl); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void everyAcknowledgedEventReachesSvixOnceAfterACrash(Vertx vertx) throws Exception {
    // slow Svix: a backlog builds up, so the crash leaves acknowledged events unsent (and some mid-call)
    standIn = block(new SvixStandIn(vertx).deliveryEnabled(false).start(), WAIT);
    standIn.delayAll(Duration.ofMillis(15));
    String databaseUrl = TestDatabase.freshDatabaseUrl();
    int port = freePort();
    process = startService(databaseUrl, port);

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    String[] tokens = new String[ORGS];
    for (int o = 0; o < ORGS; o++) {
      tokens[o] = TestTokens.user(vertx, "loader", "org-" + o);
    }
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger next = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    List<CompletableFuture<Void>> senders = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      senders.add(CompletableFuture.runAsync(() -> {
        while (running.get()) {
          int i = next.getAndIncrement();
          int org = i % ORGS;
          String eventId = "kill-" + i;
          JsonObject body = new JsonObject().put("eventType", "load.test").put("eventId", eventId)
            .put("payload", new JsonObject().put("seq", i));
          try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                  + "/api/webhooks/organizations/org-" + org + "/send"))
                .timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + tokens[org]).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
              HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 202 && !new JsonObject(r.body()).getBoolean("duplicate")) {
              acknowledged.add(eventId);
            }
          } catch (Exception refused) {
            // the process is gone: not acknowledged
          }
        }
      }));
    }
    // kill once plenty is acknowledged and Svix has some, but not all, of it
    eventually(() -> acknowledged.size() >= 600 && standIn.allMessages().size() >= 20, WAIT);
    process.kill();
    running.set(false);
    CompletableFuture.allOf(senders.toArray(new CompletableFuture[0])).get();
    int ackedAtCrash = acknowledged.size();
    int inSvixAtCrash = standIn.allMessages().size();
    assertThat(inSvixAtCrash).as("the crash happened with acknowledged events not yet in Svix")
      .isLessThan(ackedAtCrash);

    standIn.heal();
    process = startService(databaseUrl, port);
    eventually(() -> standIn.allMessages().stream().map(StoredMessage::eventId).collect(Collectors.toSet())
      .containsAll(acknowledged), WAIT);
    eventually(() -> count(databaseUrl, "SELECT count(*) FROM event_outbox_states WHERE state = 'queued'") == 0, WAIT);

    for (String id : acknowledged) {
      assertThat(standIn.messagesCreated(id)).as(id).isEqualTo(1);
    }
    // nothing in Svix that the service did not commit, and nothing twice
    List<StoredMessage> all = standIn.allMessages();
    assertThat(all.stream().map(StoredMessage::eventId).distinct().count()).isEqualTo(all.size());
    assertThat((long) all.size()).isEqualTo(count(databaseUrl, "SELECT count(*) FROM event_outbox_states WHERE state = 'sent'"));
    // per-organization order survived the crash: Svix holds each org's events in outbox order
    OutboxDeliveryTest.assertOrder(databaseUrl, standIn, ORGS);
    System.out.printf("kill -9: %d acknowledged, %d in Svix at the crash, %d in Svix after restart%n",
      ackedAtCrash, inSvixAtCrash, all.size());
  }
}
