package io.daytona.webhooks.provider.builtin;

import io.daytona.webhooks.ClaimGap;
import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.provider.Attempt;
import io.daytona.webhooks.provider.DeliveryListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The built-in delivery's worker on this node: claims due deliveries ({@link BuiltinStore#claim}, any node may,
 * none twice at once), makes each attempt ({@link WebhookSender}), records it and decides what comes next:
 * success; a retry after the schedule's next wait (±20 %, at least a 429/503's {@code Retry-After}, capped at
 * the longest wait); {@code failed} after the last one. A 410 disables the endpoint at once, as does a run of
 * failures lasting {@code DELIVERY_DISABLE_AFTER_HOURS}. At most {@code DELIVERY_CONCURRENCY} attempts are in
 * flight here, at most {@code DELIVERY_ENDPOINT_CONCURRENCY} to one endpoint across the cluster.
 *
 * <p>Most deliveries never wait for a claim: the statement that stores a message claims its deliveries for this
 * node when it has room ({@link #reserve}, {@link #handOff}), and they are attempted at once. A claim runs only
 * when something may be waiting ({@code backlog}): deliveries a store left pending that a claim could take, an
 * attempt ending to an endpoint a store found at its limit, a retry coming due, a resend or a recovery, and on the
 * periodic poll (other nodes' deliveries and freed slots, claims whose node died).
 */
final class DeliveryVerticle extends VerticleBase implements BuiltinStore.Handoff {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryVerticle.class);
  private static final Duration PRUNE_EVERY = Duration.ofHours(1);
  private static final int PRUNE_BATCH = 1000;
  /**
   * Least time between a claim that took less than it had room for and the next one. Every stored message and
   * every finished attempt wakes the worker up; under a steady load each claim then found a few deliveries, and
   * claims back to back kept the database busy with claiming: at 80 % of the rate a burst is delivered at, only
   * 40 % got through (the latency benchmark). A claim that filled its room is followed at once.
   */
  static final long PARTIAL_CLAIM_GAP_MS = 10;
  /** Most endpoints remembered as {@link #waiting} (or as ended while storing); beyond, stores claim as before. */
  static final int MAX_WAITING = 4096;

  private final BuiltinStore store;
  private final DeliveryListener listener;
  private final ServiceConfig.BuiltinDelivery settings;
  private final NetworkPolicy policy;
  private final Duration pollInterval;
  private final String owner = "node-" + UUID.randomUUID();
  private final Duration longestWait;

  private Context context;
  private HttpClient client;
  private WorkerExecutor resolver;
  private WebhookSender sender;
  private long pollTimer = -1;
  private long pruneTimer = -1;
  private long wakeTimer = -1;
  private Instant wakeAt;
  private int inFlight;
  /** Room taken by the statement storing messages (see {@link #reserve}); no claim runs meanwhile. */
  private int reserved;
  private boolean claiming;
  /** Something may be due that no claim has looked for yet. */
  private boolean backlog = true;
  /** Work was announced while a claim or a store ran: claim again after it. */
  private boolean again;
  /**
   * Endpoints a store left deliveries pending for because they were at their limit: a claim runs when an
   * attempt to one of them ends here, not after every such store (a slow endpoint's deliveries, pending while it
   * holds its share, made every store claim in vain, and no store claimed while a claim ran). Forgotten at each
   * poll, which claims anyway (their slots may be freed on other nodes).
   */
  private final Set<String> waiting = new HashSet<>();
  /** Endpoints whose attempts ended here while a store held room: that store may have counted them in flight. */
  private final Set<String> endedWhileStoring = new HashSet<>();
  private boolean endedWhileStoringOverflow;
  private ClaimGap claimGap;
  private boolean stopping;
  private Promise<Void> drained;

  private final io.micrometer.core.instrument.Counter succeeded;
  private final io.micrometer.core.instrument.Counter failedAttempts;
  private final io.micrometer.core.instrument.Timer attemptTime;
  private final io.micrometer.core.instrument.Counter claims;

  DeliveryVerticle(BuiltinStore store, DeliveryListener listener, ServiceConfig.BuiltinDelivery settings,
                   NetworkPolicy policy, Duration pollInterval, io.micrometer.core.instrument.MeterRegistry meters) {
    this.succeeded = io.micrometer.core.instrument.Counter.builder("webhooks.builtin.attempts").tag("outcome", "success")
      .description("Built-in delivery attempts").register(meters);
    this.failedAttempts = io.micrometer.core.instrument.Counter.builder("webhooks.builtin.attempts").tag("outcome", "failed")
      .description("Built-in delivery attempts").register(meters);
    this.attemptTime = io.micrometer.core.instrument.Timer.builder("webhooks.builtin.attempt.duration")
      .description("Built-in delivery attempt, request to answer").register(meters);
    this.claims = io.micrometer.core.instrument.Counter.builder("webhooks.builtin.claims")
      .description("Claims of due deliveries run by this node (stores claim what they can without one)")
      .register(meters);
    io.micrometer.core.instrument.Gauge.builder("webhooks.builtin.inflight", this, v -> v.inFlight)
      .description("Built-in delivery attempts in flight on this node").register(meters);
    this.store = store;
    this.listener = listener;
    this.settings = settings;
    this.policy = policy;
    this.pollInterval = pollInterval;
    this.longestWait = settings.retrySchedule().stream().max(Duration::compareTo).orElse(Duration.ZERO);
  }

  @Override
  public Future<?> start() {
    context = vertx.getOrCreateContext();
    claimGap = new ClaimGap(vertx, PARTIAL_CLAIM_GAP_MS);
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxRedirects(0)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis())),
      // per server address (endpoints on one host share it): as many as this node's attempts, so that the
      // per-endpoint limit of the claim, not the pool, is what one slow endpoint holds
      new PoolOptions().setHttp1MaxSize(settings.concurrency()).setMaxWaitQueueSize(-1));
    resolver = vertx.createSharedWorkerExecutor("webhooks-builtin-dns", 4);
    sender = new WebhookSender(vertx, client, resolver, policy, settings.timeout());
    pollTimer = vertx.setPeriodic(pollInterval.toMillis(), t -> {
      waiting.clear();
      work();
    });
    pruneTimer = vertx.setPeriodic(10_000, PRUNE_EVERY.toMillis(), t -> prune());
    LOG.info("Built-in delivery: {} attempts at once on this node, {} per endpoint, timeout {} ms, retries after {}",
      settings.concurrency(), settings.endpointConcurrency(), settings.timeout().toMillis(), settings.retrySchedule());
    work();
    return Future.succeededFuture();
  }

  /** Something may be due: claims what this node has room for (from any thread). */
  void wakeUp() {
    Context c = context;
    if (c != null) {
      c.runOnContext(v -> work());
    }
  }

  /**
   * None while a claim runs, and no claim while a store holds room: this node's claims and stores never count
   * one endpoint's attempts in flight at once and both take its last slot. (Letting them overlap, each with its
   * own share of the room, delivered as much at saturation but kept the worker claiming at 80 % of it: p99 313
   * and 567 ms there in two runs, against 111 ms one at a time; BENCHMARKS.md.)
   */
  @Override
  public Future<Room> reserve(int wanted) {
    Context c = context;
    if (c == null) {
      return Future.succeededFuture(Room.NONE);
    }
    Promise<Room> room = Promise.promise();
    c.runOnContext(v -> {
      int free = Math.min(wanted, settings.concurrency() - inFlight - reserved);
      if (stopping || claiming || free <= 0) {
        room.complete(Room.NONE);
        return;
      }
      reserved += free;
      room.complete(new Room(free, owner, settings.endpointConcurrency(), lease()));
    });
    return room.future();
  }

  @Override
  public void handOff(Room room, List<BuiltinStore.Due> claimed, boolean claimable, List<String> full) {
    Context c = context;
    if (c == null) {
      return;
    }
    c.runOnContext(v -> {
      reserved -= room.attempts();
      if (claimable) {
        backlog = true;
      }
      for (String endpoint : full) {
        // an attempt that ended while the statement ran may have freed the slot it counted taken
        if (endedWhileStoringOverflow || endedWhileStoring.contains(endpoint) || waiting.size() >= MAX_WAITING) {
          backlog = true;
        } else {
          waiting.add(endpoint);
        }
      }
      if (reserved == 0) {
        endedWhileStoring.clear();
        endedWhileStoringOverflow = false;
      }
      for (BuiltinStore.Due d : claimed) {
        if (stopping) {
          // still claimed by this node: handed back by stop(), or attempted by any node once the lease passes
          break;
        }
        inFlight++;
        attempt(d);
      }
      wake();
    });
  }

  private Duration lease() {
    // an attempt ends within the timeout; the margin covers recording it on a loaded database
    return settings.timeout().plus(Duration.ofMillis(Math.max(10_000, settings.timeout().toMillis())));
  }

  /** Something may be due: a claim looks for it as soon as no claim or store runs. */
  private void work() {
    backlog = true;
    if (claiming || reserved > 0) {
      again = true;
      return;
    }
    wake();
  }

  /** Claims what this node has room for, if something may be due. */
  private void wake() {
    if (stopping || claiming || reserved > 0 || !backlog) {
      return;
    }
    int free = settings.concurrency() - inFlight - reserved;
    if (free <= 0) {
      return;
    }
    if (!claimGap.mayClaim(this::wake)) {
      return;
    }
    claiming = true;
    again = false;
    claims.increment();
    store.claim(owner, free, settings.endpointConcurrency(), lease()).onComplete(claimed -> {
      claiming = false;
      if (claimed.failed()) {
        LOG.warn("Built-in delivery could not claim deliveries (tried again in {} ms): {}", pollInterval.toMillis(),
          claimed.cause().getMessage());
        return;
      }
      List<BuiltinStore.Due> due = claimed.result();
      claimGap.claimed(due.size() < free);
      if (due.isEmpty() && !again) {
        backlog = false;
      }
      for (BuiltinStore.Due d : due) {
        inFlight++;
        attempt(d);
      }
      if (again || (due.size() == free && !due.isEmpty())) {
        wake();
      }
    });
  }

  private void attempt(BuiltinStore.Due due) {
    sender.send(due).compose(outcome -> {
      int number = due.attemptsBefore() + 1;
      boolean ok = outcome.success();
      (ok ? succeeded : failedAttempts).increment();
      attemptTime.record(Duration.ofMillis(outcome.durationMs()));
      Instant next = ok ? null : nextAttempt(due, number, outcome);
      Attempt attempt = new Attempt(Secrets.id("atmpt_"), due.messageId(), due.endpointId(), due.url(),
        ok ? Attempt.Status.SUCCESS : Attempt.Status.FAILED, outcome.status(), outcome.response(),
        outcome.durationMs(), due.trigger(), Instant.now());
      Future<Instant> recorded = ok ? store.succeeded(due, owner, attempt).map((Instant) null)
        : store.finish(due, owner, attempt, next);
      return recorded.compose(failingSince -> {
        listener.attempted(due.organizationId(), due.message(), attempt, number);
        if (next != null) {
          wakeAt(next);
        }
        String reason = ok ? null : disableReason(outcome, failingSince);
        if (reason == null) {
          return Future.succeededFuture();
        }
        return store.disable(due.endpointId(), reason).map(endpoint -> {
          if (endpoint != null) {
            LOG.info("Built-in delivery disabled endpoint {} of {}: {}", endpoint.id(), due.organizationId(), reason);
            listener.endpointDisabled(due.organizationId(), endpoint, reason);
          }
          return null;
        });
      });
    }).onComplete(done -> {
      inFlight--;
      if (waiting.remove(due.endpointId())) {
        backlog = true;
      }
      if (reserved > 0) {
        if (endedWhileStoring.size() < MAX_WAITING) {
          endedWhileStoring.add(due.endpointId());
        } else {
          endedWhileStoringOverflow = true;
        }
      }
      if (done.failed()) {
        // the delivery stays claimed until its lease passes; then any node attempts it again
        LOG.warn("Built-in delivery could not record an attempt of {} to {}: {}", due.messageId(), due.endpointId(),
          done.cause().getMessage());
      }
      if (stopping && inFlight == 0 && drained != null) {
        drained.tryComplete();
      }
      wake();
    });
  }

  /** When the next attempt is due, or null when this was the last one. */
  private Instant nextAttempt(BuiltinStore.Due due, int number, WebhookSender.Outcome outcome) {
    List<Duration> schedule = settings.retrySchedule();
    if (!due.retries() || number > schedule.size()) {
      return null;
    }
    long base = schedule.get(number - 1).toMillis();
    long wait = Math.round(base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
    if (outcome.retryAfter() != null) {
      wait = Math.max(wait, Math.min(outcome.retryAfter().toMillis(), longestWait.toMillis()));
    }
    return Instant.now().plusMillis(wait);
  }

  private String disableReason(WebhookSender.Outcome outcome, Instant failingSince) {
    if (outcome.status() == 410) {
      return "the endpoint answered 410 Gone";
    }
    if (failingSince != null && !failingSince.plus(settings.disableAfter()).isAfter(Instant.now())) {
      return "every delivery failed for " + settings.disableAfter().toHours() + " h (DELIVERY_DISABLE_AFTER_HOURS)";
    }
    return null;
  }

  /** One timer for the earliest retry this node scheduled (the periodic poll catches any other). */
  private void wakeAt(Instant at) {
    if (stopping || (wakeAt != null && !at.isBefore(wakeAt))) {
      return;
    }
    if (wakeTimer >= 0) {
      vertx.cancelTimer(wakeTimer);
    }
    wakeAt = at;
    wakeTimer = vertx.setTimer(Math.max(1, Duration.between(Instant.now(), at).toMillis() + 5), t -> {
      wakeTimer = -1;
      wakeAt = null;
      work();
    });
  }

  private void prune() {
    Instant before = Instant.now().minus(Duration.ofDays(settings.retentionDays()));
    store.prune(before, PRUNE_BATCH).onComplete(pruned -> {
      if (pruned.failed()) {
        LOG.warn("Built-in delivery could not prune messages older than {} days: {}", settings.retentionDays(),
          pruned.cause().getMessage());
      } else if (pruned.result() == PRUNE_BATCH && !stopping) {
        prune();
      }
    });
  }

  /** Lets the attempts in flight end (within the delivery timeout), then hands back whatever is still claimed. */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(pruneTimer);
    if (wakeTimer >= 0) {
      vertx.cancelTimer(wakeTimer);
    }
    drained = Promise.promise();
    if (inFlight == 0) {
      drained.tryComplete();
    }
    long limit = vertx.setTimer(Math.min(5_000, settings.timeout().toMillis() + 500), t -> drained.tryComplete());
    return drained.future()
      .compose(v -> {
        vertx.cancelTimer(limit);
        return store.release(owner);
      })
      .recover(err -> Future.succeededFuture(0))
      .compose(v -> client.close())
      .compose(v -> resolver.close());
  }
}
