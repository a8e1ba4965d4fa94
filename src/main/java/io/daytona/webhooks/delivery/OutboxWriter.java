package io.daytona.webhooks.delivery;

import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.delivery.OutboxRepository.NewEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Commits accepted events to the outbox with group commit: events arriving while a transaction
 * runs are gathered and committed together in the next one. One transaction at a time, so the
 * outbox ids of one node follow the order in which its events arrived (per-organization order).
 * Each event's future completes only after its transaction committed. Use from one event loop
 * (the owning verticle's).
 */
public final class OutboxWriter {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxWriter.class);
  static final int MAX_BATCH = 256;
  private static final int ATTEMPTS = 4;

  private record Pending(NewEvent event, Promise<Boolean> promise) {
  }

  private final Vertx vertx;
  private final OutboxRepository repository;
  private final OutboxMetrics metrics;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean flushing;

  public OutboxWriter(Vertx vertx, OutboxRepository repository, MeterRegistry meters) {
    this.vertx = vertx;
    this.repository = repository;
    this.metrics = new OutboxMetrics(meters);
  }

  /** Commits the event; true when it is new, false when its organization already had that eventId. */
  public Future<Boolean> write(NewEvent event) {
    Promise<Boolean> promise = Promise.promise();
    queue.add(new Pending(event, promise));
    flush();
    return promise.future();
  }

  private void flush() {
    if (flushing || queue.isEmpty()) {
      return;
    }
    flushing = true;
    List<Pending> batch = new ArrayList<>();
    while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
      batch.add(queue.poll());
    }
    insert(batch.stream().map(Pending::event).toList(), 1).onComplete(ar -> {
      flushing = false;
      if (ar.succeeded()) {
        List<Boolean> inserted = ar.result();
        Set<String> organizations = new LinkedHashSet<>();
        for (int i = 0; i < batch.size(); i++) {
          if (inserted.get(i)) {
            metrics.accepted(batch.get(i).event().source());
            organizations.add(batch.get(i).event().organizationId());
          }
          batch.get(i).promise().complete(inserted.get(i));
        }
        if (!organizations.isEmpty()) {
          vertx.eventBus().send(Addresses.OUTBOX_WAKE_UP, new JsonArray(new ArrayList<>(organizations)));
        }
      } else {
        LOG.error("Could not commit {} event(s) to the outbox: {}", batch.size(), ar.cause().getMessage());
        batch.forEach(p -> p.promise().fail(ar.cause()));
      }
      flush();
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
