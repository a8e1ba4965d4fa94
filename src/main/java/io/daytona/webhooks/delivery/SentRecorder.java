package io.daytona.webhooks.delivery;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Records rows as SENT in batches: rows settled while one UPDATE runs are written together by the
 * next ({@link OutboxRepository#MARK_SENT}), so a busy dispatcher issues a few statements a
 * second instead of one per event. A chain goes on to its next row as soon as Svix has the
 * message; should the process die before the UPDATE commits, the row is sent again when its
 * lease ends and Svix's 409 on the eventId counts it as sent. Use from one event loop.
 */
final class SentRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(SentRecorder.class);
  private static final int MAX_BATCH = 1000;

  private record Entry(long id, String messageId, String note, Promise<Double> latency) {
  }

  private final OutboxRepository repository;
  private final List<Entry> queue = new ArrayList<>();
  private boolean writing;
  private Promise<Void> idle;

  SentRecorder(OutboxRepository repository) {
    this.repository = repository;
  }

  /** Seconds from acceptance to the commit of SENT; null when the row was no longer pending. */
  Future<Double> sent(long id, String svixMessageId, String note) {
    Promise<Double> promise = Promise.promise();
    queue.add(new Entry(id, svixMessageId, note, promise));
    flush();
    return promise.future();
  }

  /** Completes once every row handed to {@link #sent} so far has been written (or failed to be). */
  Future<Void> idle() {
    if (!writing && queue.isEmpty()) {
      return Future.succeededFuture();
    }
    if (idle == null) {
      idle = Promise.promise();
    }
    return idle.future();
  }

  private void flush() {
    if (writing) {
      return;
    }
    if (queue.isEmpty()) {
      if (idle != null) {
        Promise<Void> done = idle;
        idle = null;
        done.complete();
      }
      return;
    }
    writing = true;
    List<Entry> batch = new ArrayList<>(queue.subList(0, Math.min(MAX_BATCH, queue.size())));
    queue.subList(0, batch.size()).clear();
    Long[] ids = new Long[batch.size()];
    String[] messageIds = new String[batch.size()];
    String[] notes = new String[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      ids[i] = batch.get(i).id();
      messageIds[i] = batch.get(i).messageId();
      notes[i] = batch.get(i).note();
    }
    repository.markSent(ids, messageIds, notes).onComplete(ar -> {
      writing = false;
      if (ar.succeeded()) {
        Map<Long, Double> latencies = ar.result();
        batch.forEach(e -> e.latency().complete(latencies.get(e.id())));
      } else {
        // the rows stay leased; when the lease ends they are sent again and Svix's 409 settles them
        LOG.warn("Recording {} sent outbox row(s) failed: {}", batch.size(), ar.cause().getMessage());
        batch.forEach(e -> e.latency().fail(ar.cause()));
      }
      flush();
    });
  }
}
