package io.daytona.webhooks.delivery;

import io.daytona.webhooks.Hashing;
import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.db.GroupCommit;
import io.daytona.webhooks.delivery.OutboxRepository.Claimed;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.NewMessage;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.retry.Backoff;
import io.daytona.webhooks.ClaimGap;
import io.daytona.webhooks.Contexts;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Sends the outbox to the delivery provider ({@link DeliveryProvider#createMessage}, in-process). Claims due rows in
 * batches ({@link OutboxRepository#CLAIM}: the organizations' cursors locked with FOR UPDATE SKIP LOCKED and leased,
 * so any number of dispatchers on any number of nodes share the work and no organization is claimed by two at
 * once), then runs one chain per organization: that organization's
 * claimed rows one after the other, in id order, several organizations at a time
 * ({@code OUTBOX_CONCURRENCY}). A chain stops at the first row that must be retried, so an
 * organization's later event never reaches the provider before an earlier one. Every message carries its
 * eventId and an idempotency key; the provider answering DUPLICATE for the eventId counts as sent (this also
 * covers a lease that expired while its holder was still sending). What to do after a failure is decided from
 * its kind ({@link DeliveryDecision}). A chain renews the lease of the rows it still holds whenever a third of
 * the lease has passed, so that no other node claims them while it works. A chain moves its organization's cursor
 * past the rows it has sent ({@link OutboxRepository#ADVANCE}) once, when it ends (and when it renews its lease), by
 * group commit: one statement for the chains that ended meanwhile, whatever their organizations; a chain gives its
 * lease back only with or after that advance, so that nobody claims rows it has sent. Should the node die first,
 * the rows sent since the last advance are sent again when the lease ends, and the provider's DUPLICATE for their
 * eventIds counts them as sent.
 *
 * <p>Wakes up on {@link Addresses#OUTBOX_WAKE_UP} after commits (unless every organization of the
 * commit has a chain here already: that chain's end claims the new rows) and every
 * {@code OUTBOX_POLL_INTERVAL_MS}. While the provider is not configured nothing is claimed: rows wait.
 */
public final class OutboxDispatcher extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxDispatcher.class);
  private static final long PRUNE_INTERVAL_MS = 15 * 60_000L;
  private static final int PRUNE_CHUNK = 10_000;
  /** How often the cursors of organizations with nothing queued (for a minute) are removed. */
  private static final long CURSOR_SWEEP_INTERVAL_MS = 30_000;
  /** Most rows of one organization taken by one claim. */
  private static final int MAX_CHAIN = 100;
  /**
   * Least time between a claim that found nothing and the next one. Every commit wakes the
   * dispatcher up; while the only organizations with new rows are already being sent (their heads
   * leased), each such claim finds nothing, and claiming on every wake-up kept a database core
   * busy under load.
   */
  private static final long IDLE_CLAIM_GAP_MS = 10;

  private final ServiceContext ctx;
  private final OutboxRepository repository;
  private final OutboxMetrics metrics;
  /** Cursor advances: (organization, highest id sent, give the lease back) → the database's clock at the commit. */
  private final GroupCommit<Advance, OffsetDateTime> advances;
  /** Advances submitted and not yet completed (stop waits for them). */
  private final Set<Future<?>> advancing = new HashSet<>();
  private final ArrayDeque<List<Claimed>> chains = new ArrayDeque<>();
  /** Organizations with a chain queued or running here, and how many. */
  private final Map<String, Integer> busyOrganizations = new HashMap<>();
  /**
   * Organizations with rows committed on this node while they were busy here: their chain's end claims again.
   * A chain's end claims only for them, for a chain that may have been cut short, or after a full claim, so
   * that claims seldom find nothing (a claim that finds nothing holds the next one back by IDLE_CLAIM_GAP_MS).
   */
  private final Set<String> newRows = new HashSet<>();

  private final Clock clock;
  private DeliveryProvider provider;
  private ServiceConfig.OutboxSettings settings;
  private Backoff backoff;
  private int batchSize;
  private int concurrency;
  private long pollMs;
  private int retentionHours;
  private long leaseMs;
  /** When the provider last accepted a row here (the poison rule's "while the provider accepts others"). */
  private Instant lastSuccessAt;

  /** Payload bytes one claim takes at most (more claims fill the budget): a claim's rows arrive in one buffer. */
  static final long CLAIM_BYTES = 4L * 1024 * 1024;

  /** {@code OUTBOX_MEMORY_BUDGET_BYTES}: the payload bytes this dispatcher may hold at once. */
  private long memoryBudget;
  /** The largest single payload (a claim made while others are held must leave room for at least one). */
  private long largestPayload;
  /** Payload bytes of the chains queued or running here. */
  private long heldBytes;

  private int running;
  private boolean claiming;
  private boolean again;
  private boolean lastClaimFull;
  private ClaimGap claimGap;
  private boolean stopped;
  private boolean claimFailureLogged;
  private MessageConsumer<Object> wakeUps;
  /** Organizations claimed here and not finished when the dispatcher stops: their leases are handed back on stop. */
  private final Set<String> handBack = new HashSet<>();
  /** Set on stop; completed when the last running chain has ended. */
  private Promise<Void> chainsEnded;

  public OutboxDispatcher(ServiceContext ctx) {
    this(ctx, Clock.systemUTC());
  }

  OutboxDispatcher(ServiceContext ctx, Clock clock) {
    this.ctx = ctx;
    this.clock = clock;
    this.repository = new OutboxRepository(ctx.database());
    this.metrics = new OutboxMetrics(ctx.meters());
    this.advances = new GroupCommit<>(1000, Long.MAX_VALUE, a -> 1, batch -> {
      int n = batch.size();
      String[] orgs = new String[n];
      Long[] upTo = new Long[n];
      Boolean[] release = new Boolean[n];
      for (int i = 0; i < n; i++) {
        orgs[i] = batch.get(i).organizationId();
        upTo[i] = batch.get(i).upTo();
        release[i] = batch.get(i).release();
      }
      return repository.advance(orgs, upTo, release).map(at -> java.util.Collections.nCopies(n, at));
    });
  }

  @Override
  public Future<?> start() {
    settings = ctx.config().outbox;
    provider = ctx.provider();
    batchSize = settings.batchSize();
    concurrency = settings.concurrency();
    pollMs = settings.pollInterval().toMillis();
    retentionHours = settings.retentionHours();
    leaseMs = settings.lease().toMillis();
    memoryBudget = ctx.config().limits.outboxMemoryBudgetBytes();
    claimGap = new ClaimGap(vertx, IDLE_CLAIM_GAP_MS);
    largestPayload = ctx.config().limits.maxPayloadBytes();
    backoff = new Backoff(settings.backoffBase(), settings.backoffFactor(), settings.backoffMax(), 0.5);

    vertx.setTimer(5_000, t -> prune());
    vertx.setPeriodic(PRUNE_INTERVAL_MS, t -> prune());
    vertx.setPeriodic(CURSOR_SWEEP_INTERVAL_MS, t -> closeIdleCursors());
    if (!provider.configured()) {
      LOG.info("Outbox dispatcher idle: the delivery provider is not configured, accepted events wait in the outbox");
      return Future.succeededFuture();
    }
    wakeUps = vertx.eventBus().localConsumer(Addresses.OUTBOX_WAKE_UP, m -> {
      // new rows only of organizations this dispatcher is sending already: their chains' ends claim them
      if (!(m.body() instanceof JsonArray orgs)) {
        tick();
        return;
      }
      boolean someIdle = false;
      for (Object org : orgs) {
        if (busyOrganizations.containsKey(org)) {
          newRows.add((String) org);
        } else {
          someIdle = true;
        }
      }
      if (someIdle) {
        tick();
      }
    });
    return wakeUps.completion().onSuccess(v -> {
      vertx.setPeriodic(pollMs, t -> tick());
      tick();
      LOG.info("Outbox dispatcher started: batch {}, concurrency {}, poll {} ms, backoff {} ms x{} up to {} ms, lease {} ms, "
        + "reject after {} ms", batchSize, concurrency, pollMs, settings.backoffBase().toMillis(), settings.backoffFactor(),
        settings.backoffMax().toMillis(), leaseMs, settings.rejectAfter().toMillis());
    });
  }

  /**
   * Lets the messages in flight finish (at most one provider call) and their outcomes be recorded,
   * then hands back every row claimed but not sent, so that the next dispatcher (another node, or
   * this one restarted) need not wait for the lease. Run while Svix and the database are still up
   * ({@code WebhookService#stop} undeploys this verticle first).
   */
  @Override
  public Future<?> stop() {
    stopped = true;
    chains.forEach(chain -> handBack.add(chain.get(0).organizationId()));
    chains.clear();
    chainsEnded = Promise.promise();
    if (running == 0) {
      chainsEnded.complete();
    }
    long timer = vertx.setTimer(settings.providerCallLimit().toMillis() + 1_000, t -> chainsEnded.tryComplete());
    return chainsEnded.future()
      .compose(v -> {
        vertx.cancelTimer(timer);
        return Future.join(new ArrayList<>(advancing));
      })
      .compose(v -> repository.release(handBack, 0))
      .otherwiseEmpty();
  }

  // ---------------------------------------------------------------- claiming

  private void tick() {
    if (stopped) {
      return;
    }
    if (claiming || !chains.isEmpty() || (heldBytes > 0 && memoryBudget - heldBytes < largestPayload)) {
      // a claim is under way, claimed chains wait for a slot, or the payloads held leave no room for another one:
      // the claim's end or a finishing chain ticks again
      again = true;
      return;
    }
    if (!claimGap.mayClaim(this::tick)) {
      // the last claim found nothing: wake-ups (one per commit) claim again at most every IDLE_CLAIM_GAP_MS
      again = true;
      return;
    }
    // this claim sees every row committed so far of the organizations not busy here
    newRows.removeIf(org -> !busyOrganizations.containsKey(org));
    claiming = true;
    again = false;
    // what the budget leaves room for, and at most CLAIM_BYTES in one claim: its rows arrive in one buffer
    long room = Math.min(CLAIM_BYTES, memoryBudget - heldBytes);
    repository.claim(batchSize, batchSize, leaseMs, MAX_CHAIN, room).onComplete(ar -> {
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
        repository.release(rows.stream().map(Claimed::organizationId).collect(java.util.stream.Collectors.toSet()), 0);
        return;
      }
      long claimedBytes = rows.stream().mapToLong(r -> r.payload().length()).sum();
      // full: as many rows as a claim takes, or as many payload bytes as the budget left room for
      lastClaimFull = rows.size() >= batchSize || claimedBytes + largestPayload > room;
      claimGap.claimed(rows.isEmpty());
      Map<String, List<Claimed>> byOrg = new LinkedHashMap<>();
      rows.forEach(r -> byOrg.computeIfAbsent(r.organizationId(), k -> new ArrayList<>()).add(r));
      chains.addAll(byOrg.values());
      heldBytes += claimedBytes;
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
      runChain(chain).onComplete(ar -> {
        running--;
        chain.forEach(r -> heldBytes -= r.payload().length());
        if (stopped) {
          if (running == 0) {
            chainsEnded.tryComplete();
          }
          return;
        }
        String org = chain.get(0).organizationId();
        busyOrganizations.computeIfPresent(org, (o, n) -> n > 1 ? n - 1 : null);
        pump();
        boolean progress = ar.succeeded() && ar.result();
        // the organization's next rows are claimable now: those committed here meanwhile, or the rest of a chain
        // the claim cut at its share (more than one row taken)
        boolean more = progress && !busyOrganizations.containsKey(org) && (newRows.remove(org) || chain.size() > 1);
        if (more) {
          claimGap.claimed(false);
        }
        if (chains.isEmpty() && (more || lastClaimFull || again)) {
          tick();
        }
      });
    }
  }

  /** One cursor advance: the organization's rows up to {@code upTo} are sent; {@code release}: its chain has ended. */
  record Advance(String organizationId, long upTo, boolean release) {
  }

  /**
   * A chain as it runs: its rows, the rows sent and not yet advanced past (from {@code unadvanced} on, up to
   * {@code sent}), and the last advance it submitted (what gives its lease back waits for it).
   */
  private static final class Chain {
    final List<Claimed> rows;
    final String organizationId;
    final List<Claimed> unadvanced = new ArrayList<>();
    Future<?> lastAdvance = Future.succeededFuture();

    Chain(List<Claimed> rows) {
      this.rows = rows;
      this.organizationId = rows.get(0).organizationId();
    }
  }

  private Future<Boolean> runChain(List<Claimed> rows) {
    return runChain(new Chain(rows), 0, System.nanoTime());
  }

  /**
   * Sends the chain's rows in order; true when every row was settled (sent or failed for good). Before each row,
   * once a third of the lease has passed since it was taken or renewed, the organization's lease is renewed.
   */
  private Future<Boolean> runChain(Chain chain, int index, long leasedAtNanos) {
    if (index >= chain.rows.size()) {
      return Future.succeededFuture(true);
    }
    if (stopped) {
      handBack.add(chain.organizationId);
      return advance(chain, false).transform(ar -> Future.succeededFuture(false));
    }
    if ((System.nanoTime() - leasedAtNanos) / 1_000_000 >= leaseMs / 3) {
      long renewedAt = System.nanoTime();
      advance(chain, false);
      return repository.renew(chain.organizationId, leaseMs)
        .onFailure(err -> LOG.warn("Renewing the lease of organization {} failed: {}", chain.organizationId,
          err.getMessage()))
        .transform(ar -> runChain(chain, index, renewedAt));
    }
    return deliver(chain, index).compose(settled -> settled
      ? runChain(chain, index + 1, leasedAtNanos)
      // the row waits for its retry and holds its organization back (its lease was given back with the retry)
      : Future.succeededFuture(false));
  }

  // ---------------------------------------------------------------- one row

  /**
   * Creates the row's message at the provider and records the outcome; true when the row is settled. A sent row
   * moves the cursor in the next advance while its chain goes on, except the chain's last row: the chain ends once
   * that advance (which gives the lease back) has committed, so that the claim its end starts sees the
   * organization's next row as the head.
   */
  private Future<Boolean> deliver(Chain chain, int index) {
    Claimed row = chain.rows.get(index);
    NewMessage message = new NewMessage(row.eventType(), row.eventId(), row.payload(),
      idempotencyKey(row.organizationId(), row.eventId()));
    // back on this verticle's event loop whatever thread the provider completes on: every field here is its own
    return Contexts.on(context, provider.createMessage(row.organizationId(), null, message))
      .transform(ar -> {
        ProviderFailure failure = ar.succeeded() ? null : ar.cause() instanceof ProviderFailure f ? f
          : new ProviderFailure(ProviderFailure.Kind.UNAVAILABLE, String.valueOf(ar.cause()));
        return outcome(chain, row, failure, index == chain.rows.size() - 1);
      });
  }

  private Future<Boolean> outcome(Chain chain, Claimed row, ProviderFailure failure, boolean lastOfChain) {
    Instant now = clock.instant();
    Instant firstFailed = row.firstFailedAt() == null ? null : row.firstFailedAt().toInstant();
    DeliveryDecision d = DeliveryDecision.decide(failure, firstFailed, lastSuccessAt, now, settings.rejectAfter());
    switch (d.action()) {
      case SENT -> {
        lastSuccessAt = now;
        return sent(chain, row, lastOfChain);
      }
      case WAIT -> {
        // the provider is down as a whole: the organization waits a poll interval, its rows untouched
        return advance(chain, false).transform(ar -> repository.release(List.of(row.organizationId()), pollMs))
          .otherwiseEmpty().map(false);
      }
      case RETRY -> {
        long delay = backoff.delayMs(row.attempts() + 1, failure.retryAfterSeconds());
        LOG.debug("Outbox row {} ({} {}) attempt {} failed, retry in {} ms: {}", row.id(), row.organizationId(),
          row.eventId(), row.attempts() + 1, delay, d.reason());
        return advance(chain, false).transform(ar ->
            repository.markRetry(row, delay, d.reason(), d.firstFailedAt().atOffset(ZoneOffset.UTC)))
          .onSuccess(v -> metrics.retried())
          .map(false)
          .otherwise(false);
      }
      default -> {
        LOG.warn("Event {} of organization {} ({}) rejected: {}", row.eventId(), row.organizationId(),
          row.eventType(), d.reason());
        Future<Void> failed = repository.markFailed(row.id(), d.reason()).onSuccess(v -> metrics.failed());
        if (lastOfChain) {
          // no advance gives this chain's lease back: hand it back once the chain's advances have committed
          failed = failed.compose(v -> chain.unadvanced.isEmpty()
            ? chain.lastAdvance.transform(ar -> repository.release(List.of(row.organizationId()), 0))
            : advance(chain, true).mapEmpty());
        }
        return failed.map(true).otherwise(false);
      }
    }
  }

  /**
   * The provider has the message: true. The cursor moves past the row with the chain's next advance: for the
   * chain's last row at once, and true once that advance (which gives the lease back) has committed.
   */
  private Future<Boolean> sent(Chain chain, Claimed row, boolean lastOfChain) {
    chain.unadvanced.add(row);
    return lastOfChain ? advance(chain, true).transform(ar -> Future.succeededFuture(true)) : Future.succeededFuture(true);
  }

  /**
   * Moves the chain's cursor past the rows it has sent since its last advance ({@code release}: and gives its lease
   * back); answers when that has committed, or at once when there is nothing to advance past. A failed advance
   * leaves those rows past the cursor: when the lease ends they are sent again, and the provider's DUPLICATE for
   * their eventIds settles them.
   */
  private Future<?> advance(Chain chain, boolean release) {
    if (chain.unadvanced.isEmpty()) {
      return chain.lastAdvance;
    }
    List<Claimed> rows = new ArrayList<>(chain.unadvanced);
    chain.unadvanced.clear();
    Claimed last = rows.get(rows.size() - 1);
    Future<OffsetDateTime> advanced = advances.submit(new Advance(chain.organizationId, last.id(), release));
    advancing.add(advanced);
    advanced.onComplete(ar -> advancing.remove(advanced));
    advanced.onSuccess(at -> rows.forEach(row -> metrics.sent(Duration.between(row.createdAt(), at).toNanos() / 1e9)));
    advanced.onFailure(err -> LOG.warn("Recording {} outbox row(s) of organization {} sent failed (they will be sent "
      + "again, and counted as sent by their eventIds): {}", rows.size(), chain.organizationId, err.getMessage()));
    chain.lastAdvance = advanced;
    return advanced;
  }

  /** {@code outbox-<org>-<eventId>}, or a hash of the two when that would be long. */
  static String idempotencyKey(String organizationId, String eventId) {
    String key = "outbox-" + organizationId + "-" + eventId;
    if (key.length() <= 200) {
      return key;
    }
    return "outbox-" + Hashing.sha256Hex(organizationId + "\n" + eventId);
  }

  // ---------------------------------------------------------------- retention

  private void closeIdleCursors() {
    if (stopped) {
      return;
    }
    repository.closeIdleCursors().onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Removing idle outbox cursors failed: {}", ar.cause().getMessage());
      } else if (ar.result() > 0) {
        LOG.debug("Removed {} idle outbox cursor(s)", ar.result());
      }
    });
  }

  private void prune() {
    if (stopped) {
      return;
    }
    int days = ctx.config().deadLetterRetentionDays;
    pruneAll("sent outbox row(s) older than " + retentionHours + " h", () -> repository.pruneSent(retentionHours, PRUNE_CHUNK));
    pruneAll("rejected outbox row(s) older than " + days + " days", () -> repository.pruneRejected(days, PRUNE_CHUNK));
    pruneAll("dead letter(s) older than " + days + " days", () -> repository.pruneDeadLetters(days, PRUNE_CHUNK));
  }

  /** Runs {@code chunk} until it deletes less than a chunk. */
  private void pruneAll(String what, java.util.function.Supplier<Future<Integer>> chunk) {
    if (stopped) {
      return;
    }
    chunk.get().onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Pruning {} failed: {}", what, ar.cause().getMessage());
      } else if (ar.result() > 0) {
        LOG.info("Pruned {} {}", ar.result(), what);
        if (ar.result() >= PRUNE_CHUNK) {
          pruneAll(what, chunk);
        }
      }
    });
  }
}
