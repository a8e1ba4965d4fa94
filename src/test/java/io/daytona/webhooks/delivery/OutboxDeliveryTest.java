package io.daytona.webhooks.delivery;

import static io.daytona.webhooks.testsupport.Eventually.eventually;
import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredMessage;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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
import java.util.stream.Collectors;

import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;

/** The dispatcher against the Svix stand-in: outages, several dispatchers, Svix not configured, rejections. */
@ExtendWith(VertxExtension.class)
class OutboxDeliveryTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private SvixStandIn standIn;
  private String databaseUrl;
  private final List<WebhookService> services = new ArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    standIn = block(new SvixStandIn(vertx).deliveryEnabled(false).start(), WAIT);
    databaseUrl = TestDatabase.freshDatabaseUrl();
  }

  @AfterEach
  void tearDown() {
    services.forEach(s -> block(s.stop(), WAIT));
    block(standIn.stop(), WAIT);
  }

  private WebhookService start(boolean svix, Map<String, String> extra) {
    Map<String, Object> config = new HashMap<>();
    config.put("DATABASE_URL", databaseUrl);
    if (svix) {
      config.put("SVIX_AUTH_TOKEN", standIn.token());
      config.put("SVIX_SERVER_URL", standIn.serverUrl());
    }
    config.put("SVIX_TIMEOUT_MS", "2000");
    config.put("OUTBOX_POLL_INTERVAL_MS", "100");
    config.put("OUTBOX_BACKOFF_BASE_MS", "20");
    config.put("OUTBOX_BACKOFF_MAX_MS", "300");
    config.put("OUTBOX_CONCURRENCY", "16");
    config.putAll(extra);
    WebhookService service = block(TestService.start(config), WAIT);
    services.add(service);
    return service;
  }

  private static JsonObject event(String org, int seq) {
    return new JsonObject().put("id", "res-" + seq).put("organizationId", org).put("seq", seq)
      .put("createdAt", "2024-01-01T00:00:00Z").put("eventId", org + "-" + String.format("%05d", seq));
  }

  /** Sends {@code n} events over {@code orgs} organizations, all at once; completes when all were acknowledged. */
  private static List<String> burst(List<WebhookService> via, int n, int orgs) {
    List<Future<?>> acks = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JsonObject e = event("org-" + (i % orgs), i);
      ids.add(e.getString("eventId"));
      acks.add(via.get(i % via.size()).vertx().eventBus().request("sandbox.created", e, new DeliveryOptions()));
    }
    block(Future.all(acks), WAIT);
    return ids;
  }

  private long count(String sql) {
    try (Connection c = TestDatabase.connect(databaseUrl); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Every org's messages in Svix are in the order the outbox accepted them (outbox id order), which for
   * events sent from one node in sequence is also seq order.
   */
  private void assertPerOrganizationOrder(int orgs) {
    assertOrder(databaseUrl, standIn, orgs);
  }

  static void assertOrder(String databaseUrl, SvixStandIn standIn, int orgs) {
    for (int o = 0; o < orgs; o++) {
      List<String> accepted = new ArrayList<>();
      try (Connection c = TestDatabase.connect(databaseUrl); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT event_id FROM event_outbox_states WHERE state = 'sent' AND organization_id = 'org-"
             + o + "' ORDER BY id")) {
        while (rs.next()) {
          accepted.add(rs.getString(1));
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      assertThat(standIn.messages("org-" + o)).extracting(StoredMessage::eventId).as("order of org-%d", o)
        .containsExactlyElementsOf(accepted);
    }
  }

  private void assertSeqOrder(int orgs) {
    for (int o = 0; o < orgs; o++) {
      List<Integer> seqs = standIn.messages("org-" + o).stream().map(m -> m.payload().getInteger("seq")).toList();
      assertThat(seqs).as("seq order of org-%d", o).isSorted();
    }
  }

  private static double counter(WebhookService s, String name) {
    var c = s.context().meters().find(name).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void burstDuringOutageIsDeliveredExactlyOnceInOrderAfterRecovery() {
    WebhookService service = start(true, Map.of());
    standIn.failAll(503);
    List<String> ids = burst(List.of(service), 1000, 10);
    assertThat(count("SELECT count(*) FROM event_outbox_states WHERE state = 'queued'")).isEqualTo(1000);

    // Svix answers 503 for a while, then refuses connections, then comes back
    eventually(() -> count("SELECT count(*) FROM event_outbox WHERE attempts >= 2") >= 10, WAIT);
    block(standIn.refuseConnections(), WAIT);
    long before = count("SELECT coalesce(sum(attempts), 0) FROM event_outbox");
    eventually(() -> count("SELECT coalesce(sum(attempts), 0) FROM event_outbox") >= before + 20
      && count("SELECT count(*) FROM event_outbox WHERE last_error LIKE '%unreachable%'") > 0, WAIT);
    assertThat(standIn.allMessages()).isEmpty();
    block(standIn.heal(), WAIT);

    eventually(() -> standIn.allMessages().size() >= 1000
      && count("SELECT count(*) FROM event_outbox_states WHERE state = 'sent'") == 1000, WAIT);
    List<StoredMessage> all = standIn.allMessages();
    assertThat(all).hasSize(1000);
    assertThat(all.stream().map(StoredMessage::eventId).collect(Collectors.toSet())).isEqualTo(new HashSet<>(ids));
    ids.forEach(id -> assertThat(standIn.messagesCreated(id)).as(id).isEqualTo(1));
    assertPerOrganizationOrder(10);
    assertSeqOrder(10);
    assertThat(counter(service, "webhooks.outbox.sent")).isEqualTo(1000);
    assertThat(counter(service, "webhooks.outbox.retried")).isGreaterThan(0);
    // the wait between tries stayed under the configured cap (300 ms) plus the time of a call
    JsonObject status = block(service.vertx().eventBus().<JsonObject>request(Addresses.api("getStatus"),
      new JsonObject()), WAIT).body().getJsonObject("body");
    assertThat(status.getJsonObject("outbox").getLong("pending")).isZero();
    assertThat(status.getJsonObject("outbox").getValue("oldestPendingSeconds")).isNull();
  }

  @Test
  void sporadicFailuresAndRateLimitsKeepPerOrganizationOrder() {
    WebhookService service = start(true, Map.of());
    standIn.failNext(30, 503, "/msg");
    standIn.failNext(10, 500, "/msg");
    standIn.rateLimitNext(5, 1, "/msg");
    standIn.delayAll(Duration.ofMillis(2));
    List<String> ids = burst(List.of(service), 300, 5);
    eventually(() -> count("SELECT count(*) FROM event_outbox_states WHERE state = 'sent'") == 300, WAIT);
    ids.forEach(id -> assertThat(standIn.messagesCreated(id)).as(id).isEqualTo(1));
    assertPerOrganizationOrder(5);
    assertSeqOrder(5);
    assertThat(counter(service, "webhooks.outbox.retried")).isGreaterThanOrEqualTo(45);
  }

  @Test
  void twoDispatchersOnOneDatabaseNeverSendARowTwice() {
    WebhookService a = start(true, Map.of("OUTBOX_BATCH_SIZE", "20"));
    WebhookService b = start(true, Map.of("OUTBOX_BATCH_SIZE", "20"));
    // applications first, so that every message create is exactly one request
    for (int o = 0; o < 20; o++) {
      block(a.context().provider().ensureApplication("org-" + o, null), WAIT);
    }
    standIn.delayAll(Duration.ofMillis(3));
    List<String> ids = burst(List.of(a, b), 600, 20);
    eventually(() -> count("SELECT count(*) FROM event_outbox_states WHERE state = 'sent'") == 600, WAIT);
    ids.forEach(id -> {
      assertThat(standIn.messagesCreated(id)).as(id).isEqualTo(1);
      assertThat(standIn.messageCreateRequests(id)).as("create requests of %s", id).isEqualTo(1);
    });
    assertThat(counter(a, "webhooks.outbox.sent") + counter(b, "webhooks.outbox.sent")).isEqualTo(600);
    assertThat(counter(a, "webhooks.outbox.sent")).isGreaterThan(0);
    assertThat(counter(b, "webhooks.outbox.sent")).isGreaterThan(0);
    assertPerOrganizationOrder(20);
  }

  @Test
  void aStoppedServiceHandsBackWhatItHadNotSentSoTheNextStartSendsItAtOnce() {
    WebhookService first = start(true, Map.of());
    block(first.context().provider().ensureApplication("org-0", null), WAIT);
    // one organization: one chain, one message at a time, each taking 150 ms
    standIn.delayAll(Duration.ofMillis(150));
    List<String> ids = burst(List.of(first), 30, 1);
    eventually(() -> standIn.messageCount() >= 2, WAIT);
    block(first.stop(), WAIT);
    services.remove(first);

    // the message in flight was recorded; the rest is due now, not leased for OUTBOX_LEASE_MS (75 s)
    long pending = count("SELECT count(*) FROM event_outbox_states WHERE state = 'queued'");
    assertThat(pending).isPositive();
    assertThat(count("SELECT count(*) FROM event_outbox_states WHERE state = 'sent'")).isEqualTo(30 - pending)
      .isEqualTo(standIn.messageCount());
    assertThat(count("SELECT count(*) FROM outbox_cursors WHERE lease_until > now()")).isZero();

    block(standIn.heal(), WAIT);
    start(true, Map.of());
    eventually(() -> count("SELECT count(*) FROM event_outbox_states WHERE state = 'sent'") == 30, Duration.ofSeconds(20));
    ids.forEach(id -> assertThat(standIn.messagesCreated(id)).as(id).isEqualTo(1));
    assertPerOrganizationOrder(1);
  }

  @Test
  void withoutSvixRowsWaitThenAServiceWithSvixDeliversThem() {
    WebhookService idle = start(false, Map.of());
    List<String> ids = burst(List.of(idle), 50, 3);
    JsonObject status = block(idle.vertx().eventBus().<JsonObject>request(Addresses.api("getStatus"),
      new JsonObject()), WAIT).body().getJsonObject("body");
    assertThat(status.getJsonObject("outbox").getLong("pending")).isEqualTo(50);
    assertThat(status.getJsonObject("outbox").getDouble("oldestPendingSeconds")).isGreaterThanOrEqualTo(0.0);
    assertThat(count("SELECT count(*) FROM event_outbox_states WHERE state = 'queued' AND attempts = 0")).isEqualTo(50);
    assertThat(standIn.requests()).isEmpty();
    block(idle.stop(), WAIT);
    services.remove(idle);

    start(true, Map.of());
    eventually(() -> count("SELECT count(*) FROM event_outbox_states WHERE state = 'sent'") == 50, WAIT);
    Set<String> delivered = standIn.allMessages().stream().map(StoredMessage::eventId).collect(Collectors.toSet());
    assertThat(delivered).isEqualTo(new HashSet<>(ids));
    assertPerOrganizationOrder(3);
  }

  @Test
  void aRejectedEventIsFailedWithTheReasonAndDoesNotBlockItsOrganization() {
    WebhookService service = start(true, Map.of());
    block(service.context().provider().ensureApplication("org-0", null), WAIT);
    standIn.failNext(1, 422, "/msg");
    List<String> ids = burst(List.of(service), 3, 1);
    eventually(() -> count("SELECT count(*) FROM event_outbox_states WHERE state <> 'queued'") == 3, WAIT);
    assertThat(count("SELECT count(*) FROM event_outbox WHERE status = 'FAILED' AND event_id = '" + ids.get(0)
      + "' AND last_error LIKE 'INPUT_REJECTED%'")).isEqualTo(1);
    assertThat(standIn.messages("org-0")).extracting(StoredMessage::eventId).containsExactly(ids.get(1), ids.get(2));
    assertThat(counter(service, "webhooks.outbox.failed")).isEqualTo(1);
    JsonObject status = block(service.vertx().eventBus().<JsonObject>request(Addresses.api("getStatus"),
      new JsonObject()), WAIT).body().getJsonObject("body");
    assertThat(status.getJsonObject("outbox").getLong("failed")).isEqualTo(1);
  }

  /** Svix refusing one event as too large (413) rejects that row at once, with the reason; the organization goes on. */
  @Test
  void a413ForOneEventRejectsItAndTheOrganizationsNextEventIsDelivered() {
    WebhookService service = start(true, Map.of());
    block(service.context().provider().ensureApplication("org-0", null), WAIT);
    standIn.failNext(1, 413, "/app/org-0/msg");
    List<String> ids = burst(List.of(service), 2, 1);
    eventually(() -> count("SELECT count(*) FROM event_outbox_states WHERE state <> 'queued'") == 2, WAIT);
    assertThat(count("SELECT count(*) FROM event_outbox WHERE status = 'FAILED' AND event_id = '" + ids.get(0)
      + "' AND attempts = 1 AND last_error LIKE 'INPUT_REJECTED (413)%'")).isEqualTo(1);
    assertThat(standIn.messages("org-0")).extracting(StoredMessage::eventId).containsExactly(ids.get(1));
  }

  /**
   * A row that keeps failing retryably while the provider accepts other organizations' rows is rejected after
   * OUTBOX_REJECT_AFTER_MS; the organization's next event is then delivered.
   */
  @Test
  void aPoisonRowIsRejectedAfterRejectAfterWhileOthersSucceed() {
    WebhookService service = start(true, Map.of("OUTBOX_REJECT_AFTER_MS", "1500"));
    block(service.context().provider().ensureApplication("org-0", null), WAIT);
    standIn.failAll(503, "/app/org-0/msg");
    JsonObject poison = event("org-0", 0);
    block(service.vertx().eventBus().request("sandbox.created", poison), WAIT);
    long started = System.nanoTime();
    // other organizations keep being accepted by Svix meanwhile
    int seq = 1;
    while (count("SELECT count(*) FROM event_outbox WHERE status = 'FAILED'") == 0) {
      assertThat(System.nanoTime() - started).as("poison row rejected in time").isLessThan(Duration.ofSeconds(15).toNanos());
      block(service.vertx().eventBus().request("sandbox.created", event("org-" + (1 + seq % 3), seq++)), WAIT);
      block(service.vertx().timer(100), WAIT);
    }
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(tookMs).as("not before OUTBOX_REJECT_AFTER_MS").isGreaterThanOrEqualTo(1_400);
    assertThat(count("SELECT count(*) FROM event_outbox WHERE status = 'FAILED' AND event_id = '"
      + poison.getString("eventId") + "' AND last_error LIKE 'rejected after failing%UNAVAILABLE (503)%'")).isEqualTo(1);
    block(standIn.heal(), WAIT);
    JsonObject next = event("org-0", 999);
    block(service.vertx().eventBus().request("sandbox.created", next), WAIT);
    eventually(() -> standIn.messages("org-0").stream().anyMatch(m -> m.eventId().equals(next.getString("eventId"))), WAIT);
  }

  /** While the provider as a whole fails, nothing is rejected however long it lasts: the rows wait and go once it is back. */
  @Test
  void anOutageOfTheWholeProviderRejectsNothing() {
    WebhookService service = start(true, Map.of("OUTBOX_REJECT_AFTER_MS", "300"));
    for (int o = 0; o < 3; o++) {
      block(service.context().provider().ensureApplication("org-" + o, null), WAIT);
    }
    standIn.failAll(503, "/msg");
    List<String> ids = burst(List.of(service), 9, 3);
    eventually(() -> count("SELECT count(*) FROM event_outbox WHERE attempts >= 4") >= 3, WAIT);
    block(service.vertx().timer(1_500), WAIT); // five times OUTBOX_REJECT_AFTER_MS of outage
    assertThat(count("SELECT count(*) FROM event_outbox WHERE status = 'FAILED'")).isZero();
    block(standIn.heal(), WAIT);
    eventually(() -> count("SELECT count(*) FROM event_outbox_states WHERE state = 'sent'") == 9, WAIT);
    assertThat(count("SELECT count(*) FROM event_outbox WHERE status = 'FAILED'")).isZero();
    assertThat(standIn.allMessages()).extracting(StoredMessage::eventId).containsExactlyInAnyOrderElementsOf(ids);
  }
}
