package io.daytona.webhooks.delivery;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.delivery.OutboxRepository.Claimed;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends the outbox to Svix. Claims due rows in batches ({@link OutboxRepository#CLAIM}: FOR UPDATE
 * SKIP LOCKED plus a lease, so any number of dispatchers on any number of nodes share the work and
 * no row is claimed by two at once), then runs one chain per organization: that organization's
 * claimed rows one after the other, in id order, several organizations at a time
 * ({@code OUTBOX_CONCURRENCY}). A chain stops at the first row that must be retried, so an
 * organization's later event never reaches Svix before an earlier one. Every message carries its
 * eventId and an idempotency key; Svix answering 409 for the eventId counts as sent (this also
 * covers a lease that expired while its holder was still sending).
 *
 * <p>Wakes up on {@link Addresses#OUTBOX_WAKE_UP} after commits (unless every organization of the
 * commit has a chain here already: that chain's end claims the new rows) and every
 * {@code OUTBOX_POLL_INTERVAL_MS}. While Svix is not configured nothing is claimed: rows wait.
 */
public final class OutboxDispatcher extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxDispatcher.class);
  private static final long PRUNE_INTERVAL_MS = 15 * 60_000L;
  private static final int PRUNE_CHUNK = 10_000;
  /** Most rows of one organization taken by one claim. */
  private static final int MAX_CHAIN = 100;
  /**
   * Least time between a claim that found nothing and the next one. Every commit wakes the
   * dispatcher up; while the only organizations with new rows are already being sent (their heads
   * leased), each such claim finds nothing, and claiming on every wake-up kept a database core
   * busy under load.
   */
  private static final long IDLE_CLAIM_GAP_MS = 50;

  private final ServiceContext ctx;
  private final OutboxRepository repository;
  private final OutboxMetrics metrics;
  private final SentRecorder sentRecorder;
  private final ArrayDeque<List<Claimed>> chains = new ArrayDeque<>();
  /** Organizations with a chain queued or running here, and how many. */
  private final Map<String, Integer> busyOrganizations = new HashMap<>();

  private int batchSize;
  private int concurrency;
  private long pollMs;
  private long backoffBaseMs;
  private double backoffFactor;
  private long backoffMaxMs;
  private int retentionHours;
  private long leaseMs;
  private long svixRequestTimeoutMs;

  private int running;
  private boolean claiming;
  private boolean again;
  private boolean lastClaimFull;
  private boolean lastClaimEmpty;
  private long lastClaimAt;
  private boolean gapTimerSet;
  private boolean stopped;
  private boolean claimFailureLogged;
  private MessageConsumer<Object> wakeUps;
  /** Rows claimed here but not sent when the dispatcher stops: handed back on stop. */
  private final List<Long> handBack = new ArrayList<>();
  /** Set on stop; completed when the last running chain has ended. */
  private Promise<Void> chainsEnded;

  public OutboxDispatcher(ServiceContext ctx) {
    this.ctx = ctx;
    this.repository = new OutboxRepository(ctx.database());
    this.metrics = new OutboxMetrics(ctx.meters());
    this.sentRecorder = new SentRecorder(repository);
  }

  @Override
  public Future<?> start() {
    ServiceConfig c = ctx.config();
    batchSize = c.integer("OUTBOX_BATCH_SIZE", 500, 1, 5000);
    concurrency = c.integer("OUTBOX_CONCURRENCY", 32, 1, 256);
    pollMs = c.integer("OUTBOX_POLL_INTERVAL_MS", 1000, 10, 600_000);
    backoffBaseMs = c.integer("OUTBOX_BACKOFF_BASE_MS", 500, 1, 600_000);
    backoffFactor = c.decimal("OUTBOX_BACKOFF_FACTOR", 2.0, 1.0, 10.0);
    backoffMaxMs = c.integer("OUTBOX_BACKOFF_MAX_MS", 30_000, 1, 3_600_000);
    retentionHours = c.integer("OUTBOX_RETENTION_HOURS", 168, 1, 87_600);
    svixRequestTimeoutMs = c.svixTimeout.toMillis() * 2 + 5_000;
    leaseMs = c.integer("OUTBOX_LEASE_MS", (int) Math.max(60_000, svixRequestTimeoutMs * 3), 1_000, 3_600_000);

    vertx.setTimer(5_000, t -> prune());
    vertx.setPeriodic(PRUNE_INTERVAL_MS, t -> prune());
    if (!c.svixEnabled()) {
      LOG.info("Outbox dispatcher idle: Svix is not configured, accepted events wait in the outbox");
      return Future.succeededFuture();
    }
    wakeUps = vertx.eventBus().localConsumer(Addresses.OUTBOX_WAKE_UP, m -> {
      // new rows only of organizations this dispatcher is sending already: their chains' ends claim them
      if (!(m.body() instanceof JsonArray orgs) || !busyOrganizations.keySet().containsAll(orgs.getList())) {
        tick();
      }
    });
    return wakeUps.completion().onSuccess(v -> {
      vertx.setPeriodic(pollMs, t -> tick());
      tick();
      LOG.info("Outbox dispatcher started: batch {}, concurrency {}, poll {} ms, backoff {} ms x{} up to {} ms, lease {} ms",
        batchSize, concurrency, pollMs, backoffBaseMs, backoffFactor, backoffMaxMs, leaseMs);
    });
  }

  /**
   * Lets the messages in flight finish (at most the Svix deadline) and their outcomes be recorded,
   * then hands back every row claimed but not sent, so that the next dispatcher (another node, or
   * this one restarted) need not wait for the lease. Run while Svix and the database are still up
   * ({@code WebhookService#stop} undeploys this verticle first).
   */
  @Override
  public Future<?> stop() {
    stopped = true;
    chains.forEach(chain -> chain.forEach(row -> handBack.add(row.id())));
    chains.clear();
    chainsEnded = Promise.promise();
    if (running == 0) {
      chainsEnded.complete();
    }
    long timer = vertx.setTimer(ctx.config().svixTimeout.toMillis() + 1_000, t -> chainsEnded.tryComplete());
    return chainsEnded.future()
      .compose(v -> {
        vertx.cancelTimer(timer);
        return sentRecorder.idle();
      })
      .compose(v -> repository.release(handBack, 0))
      .otherwiseEmpty();
  }

  // ---------------------------------------------------------------- claiming

  private void tick() {
    if (stopped) {
      return;
    }
    if (claiming || !chains.isEmpty()) {
      // a claim is under way or claimed chains wait for a slot: the claim's end or a finishing chain ticks again
      again = true;
      return;
    }
    long wait = lastClaimEmpty ? lastClaimAt + IDLE_CLAIM_GAP_MS - System.currentTimeMillis() : 0;
    if (wait > 0) {
      // the last claim found nothing: wake-ups (one per commit) claim again at most every IDLE_CLAIM_GAP_MS
      again = true;
      if (!gapTimerSet) {
        gapTimerSet = true;
        vertx.setTimer(wait, t -> {
          gapTimerSet = false;
          tick();
        });
      }
      return;
    }
    claiming = true;
    again = false;
    lastClaimAt = System.currentTimeMillis();
    repository.claim(batchSize, batchSize, leaseMs, MAX_CHAIN).onComplete(ar -> {
      claiming = false;
      if (ar.failed()) {
        if (!claimFailureLogged && !stopped && !String.valueOf(ar.cause().getMessage()).contains("closed")) {
          LOG.warn("Claiming outbox rows failed (will retry on the next poll): {}", ar.cause().getMessage());
          claimFailureLogged = true;
        }
        return;
      }
      claimFailureLogged = false;
      List<Claimed> rows = ar.result();
      if (LOG.isDebugEnabled()) {
        LOG.debug("claimed {} rows: {}", rows.size(), rows.stream().map(r -> r.id() + "/" + r.organizationId()).toList());
      }
      if (stopped) {
        repository.release(rows.stream().map(Claimed::id).toList(), 0);
        return;
      }
      lastClaimFull = rows.size() >= batchSize;
      lastClaimEmpty = rows.isEmpty();
      Map<String, List<Claimed>> byOrg = new LinkedHashMap<>();
      rows.forEach(r -> byOrg.computeIfAbsent(r.organizationId(), k -> new ArrayList<>()).add(r));
      chains.addAll(byOrg.values());
      byOrg.keySet().forEach(org -> busyOrganizations.merge(org, 1, Integer::sum));
      pump();
      if (chains.isEmpty() && (again || (lastClaimFull && running < concurrency))) {
        tick();
      }
    });
  }

  private void pump() {
    while (!stopped && running < concurrency && !chains.isEmpty()) {
      List<Claimed> chain = chains.poll();
      running++;
      runChain(chain, 0).onComplete(ar -> {
        running--;
        if (stopped) {
          if (running == 0) {
            chainsEnded.tryComplete();
          }
          return;
        }
        busyOrganizations.computeIfPresent(chain.get(0).organizationId(), (org, n) -> n > 1 ? n - 1 : null);
        pump();
        boolean progress = ar.succeeded() && ar.result();
        if (progress) {
          // its organization's next rows (if any) are claimable now: no idle gap before claiming them
          lastClaimEmpty = false;
        }
        if (chains.isEmpty() && (progress || lastClaimFull || again)) {
          tick();
        }
      });
    }
  }

  /** Sends the chain's rows in order; true when every row was settled (sent or failed for good). */
  private Future<Boolean> runChain(List<Claimed> chain, int index) {
    if (index >= chain.size()) {
      return Future.succeededFuture(true);
    }
    if (stopped) {
      chain.subList(index, chain.size()).forEach(row -> handBack.add(row.id()));
      return Future.succeededFuture(false);
    }
    return deliver(chain.get(index), index == chain.size() - 1).compose(settled -> {
      if (settled) {
        return runChain(chain, index + 1);
      }
      // the row waits for its retry and holds its organization back; the rest of the chain gives up its lease,
      // so that whoever claims the organization's head next also takes these rows
      List<Long> rest = chain.subList(index + 1, chain.size()).stream().map(Claimed::id).toList();
      return repository.release(rest, 0).otherwiseEmpty().map(false);
    });
  }

  // ---------------------------------------------------------------- one row

  /**
   * Creates the row's message in Svix and records the outcome; true when the row is settled. A SENT
   * row is recorded in the next batch while its chain goes on, except the chain's last row: the
   * chain ends once that one is recorded, so that the claim its end starts sees the organization's
   * next row as the head (a leased, still pending last row would hide the organization).
   */
  private Future<Boolean> deliver(Claimed row, boolean lastOfChain) {
    JsonObject request = new JsonObject()
      .put("organizationId", row.organizationId())
      .put("eventType", row.eventType())
      .put("eventId", row.eventId())
      .put("payload", row.payload())
      .put("idempotencyKey", idempotencyKey(row.organizationId(), row.eventId()));
    return vertx.eventBus().<JsonObject>request(Addresses.svix("createMessage"), request,
        new DeliveryOptions().setSendTimeout(svixRequestTimeoutMs))
      .compose(reply -> sent(row, reply.body().getString("id"), null, lastOfChain))
      .recover(err -> outcome(row, err, lastOfChain));
  }

  private Future<Boolean> outcome(Claimed row, Throwable err, boolean lastOfChain) {
    ApiError e = ApiError.from(err);
    if (e.status() == 409) {
      return sent(row, null, "Svix already had this eventId (409): counted as sent", lastOfChain);
    }
    if (retryable(e)) {
      long delay = backoff(row.attempts() + 1, e.retryAfterSeconds());
      LOG.debug("Outbox row {} ({} {}) attempt {} failed, retry in {} ms: {}", row.id(), row.organizationId(),
        row.eventId(), row.attempts() + 1, delay, e.detail());
      return repository.markRetry(row.id(), delay, e.status() + ": " + e.detail())
        .onSuccess(v -> metrics.retried())
        .map(false)
        .otherwise(false);
    }
    LOG.warn("Svix rejected event {} of organization {} ({}): {}", row.eventId(), row.organizationId(),
      row.eventType(), e.detail());
    return repository.markFailed(row.id(), e.status() + ": " + e.detail())
      .onSuccess(v -> metrics.failed())
      .map(true)
      .otherwise(false);
  }

  /**
   * Svix has the message: the row is recorded SENT in the next batch; true at once, or for the
   * chain's last row once it is recorded (a failed recording leaves the row leased: when the lease
   * ends it is sent again and Svix's 409 settles it).
   */
  private Future<Boolean> sent(Claimed row, String svixMessageId, String note, boolean lastOfChain) {
    Future<Double> recorded = sentRecorder.sent(row.id(), svixMessageId, note).onSuccess(latency -> {
      if (latency != null) {
        metrics.sent(latency);
      }
    });
    return lastOfChain ? recorded.transform(ar -> Future.succeededFuture(true)) : Future.succeededFuture(true);
  }

  /** 429, 5xx, timeouts and refused connections (502/503/504 from the Svix verticle) are worth another try. */
  static boolean retryable(ApiError e) {
    Integer upstream = e.upstreamStatus();
    return e.status() >= 500 || e.status() == 429 || e.status() == 408
      || (upstream != null && (upstream == 429 || upstream >= 500));
  }

  /** Exponential backoff with jitter (half fixed, half random), at least Retry-After, never over the cap. */
  long backoff(int attempt, Integer retryAfterSeconds) {
    double exp = backoffBaseMs * Math.pow(backoffFactor, Math.max(0, attempt - 1));
    double capped = Math.min(backoffMaxMs, exp);
    double delay = capped / 2 + ThreadLocalRandom.current().nextDouble() * capped / 2;
    if (retryAfterSeconds != null) {
      delay = Math.max(delay, retryAfterSeconds * 1000.0);
    }
    return (long) Math.max(1, Math.min(backoffMaxMs, delay));
  }

  /** {@code outbox-<org>-<eventId>}, or a hash of the two when that would be long. */
  static String idempotencyKey(String organizationId, String eventId) {
    String key = "outbox-" + organizationId + "-" + eventId;
    if (key.length() <= 200) {
      return key;
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256")
        .digest((organizationId + "\n" + eventId).getBytes(StandardCharsets.UTF_8));
      return "outbox-" + HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  // ---------------------------------------------------------------- retention

  private void prune() {
    if (stopped) {
      return;
    }
    repository.pruneSent(retentionHours, PRUNE_CHUNK).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Pruning sent outbox rows failed: {}", ar.cause().getMessage());
      } else if (ar.result() > 0) {
        LOG.info("Pruned {} sent outbox row(s) older than {} h", ar.result(), retentionHours);
        if (ar.result() >= PRUNE_CHUNK) {
          prune();
        }
      }
    });
  }
}
