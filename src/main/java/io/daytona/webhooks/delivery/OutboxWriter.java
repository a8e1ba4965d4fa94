package io.daytona.webhooks.delivery;

import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.db.GroupCommit;
import io.daytona.webhooks.delivery.OutboxRepository.NewEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Commits accepted events to the outbox with group commit: events arriving while a transaction
 * runs are gathered and committed together in the next one. One transaction at a time, so the
 * outbox ids of one node follow the order in which its events arrived (per-organization order).
 * Each event's future completes only after its transaction committed. What waits for a commit is
 * bounded ({@code OUTBOX_INTAKE_QUEUE} events, {@code OUTBOX_INTAKE_QUEUE_BYTES} of payload): past
 * either, {@link #write} fails at once with {@link IntakeFull} and nothing is queued. Use from one
 * event loop (the owning verticle's).
 */
public final class OutboxWriter {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxWriter.class);
  static final int MAX_BATCH = 256;
  /** Payload bytes one INSERT carries at most (its parameters are encoded in one direct buffer). */
  static final long MAX_BATCH_BYTES = 4L * 1024 * 1024;
  private static final int ATTEMPTS = 4;

  /** The intake queue is full: the event was not taken (the caller answers 503 with {@code Retry-After}). */
  public static final class IntakeFull extends RuntimeException {
    public IntakeFull(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final OutboxRepository repository;
  private final OutboxMetrics metrics;
  private final int maxEvents;
  private final long maxBytes;
  /** One transaction at a time: at most MAX_BATCH events and MAX_BATCH_BYTES of payload (one event whatever its size). */
  private final GroupCommit<NewEvent, Boolean> commits;
  /** Events (and their payload bytes) taken and not yet committed or failed: queued plus the batch in flight. */
  private int waiting;
  private long waitingBytes;

  public OutboxWriter(Vertx vertx, OutboxRepository repository, MeterRegistry meters, int maxEvents, long maxBytes) {
    this.vertx = vertx;
    this.repository = repository;
    this.metrics = new OutboxMetrics(meters);
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
    this.commits = new GroupCommit<>(MAX_BATCH, MAX_BATCH_BYTES, e -> e.payload().length(), this::commit);
  }

  /**
   * Commits the event; true when it is new, false when its organization already had that eventId. Fails at once
   * with {@link IntakeFull} when the intake queue is full.
   */
  public Future<Boolean> write(NewEvent event) {
    long bytes = event.payload().length();
    if (waiting >= maxEvents || (waiting > 0 && waitingBytes + bytes > maxBytes)) {
      metrics.intakeRefused();
      return Future.failedFuture(new IntakeFull(waiting + " events (" + waitingBytes + " payload bytes) wait for "
        + "their commit on this node (OUTBOX_INTAKE_QUEUE " + maxEvents + ", OUTBOX_INTAKE_QUEUE_BYTES " + maxBytes + ")"));
    }
    waiting++;
    waitingBytes += bytes;
    return commits.submit(event).onComplete(ar -> {
      waiting--;
      waitingBytes -= bytes;
    });
  }

  /** Commits one batch; on success wakes the dispatcher up for the organizations with new rows. */
  private Future<List<Boolean>> commit(List<NewEvent> batch) {
    return insert(batch, 1).onComplete(ar -> {
      if (ar.succeeded()) {
        List<Boolean> inserted = ar.result();
        Set<String> organizations = new LinkedHashSet<>();
        for (int i = 0; i < batch.size(); i++) {
          if (inserted.get(i)) {
            metrics.accepted(batch.get(i).source());
            organizations.add(batch.get(i).organizationId());
          }
        }
        if (!organizations.isEmpty()) {
          vertx.eventBus().send(Addresses.OUTBOX_WAKE_UP, new JsonArray(new ArrayList<>(organizations)));
        }
      } else {
        LOG.error("Could not commit {} event(s) to the outbox: {}", batch.size(), ar.cause().getMessage());
      }
    });
  }

  /** A failed transaction (database restarting, deadlock with another node) is tried again a few times. */
  private Future<List<Boolean>> insert(List<NewEvent> events, int attempt) {
    return repository.insert(events).recover(err -> {
      if (attempt >= ATTEMPTS) {
        return Future.failedFuture(err);
      }
      LOG.warn("Outbox commit failed (attempt {} of {}): {}", attempt, ATTEMPTS, err.getMessage());
      Promise<List<Boolean>> retry = Promise.promise();
      vertx.setTimer(100L << attempt, t -> insert(events, attempt + 1).onComplete(retry));
      return retry.future();
    });
  }
}
