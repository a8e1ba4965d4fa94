package io.daytona.webhooks.db;

import io.daytona.webhooks.Contexts;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Group commit: items submitted while one batch is being written are written together by the next, so that a
 * busy caller issues a few statements a second instead of one per item, and an idle one waits for none. Each
 * item's future completes with its own answer once its batch has committed (or fails with the batch), on the
 * context that submitted it. Thread-safe.
 *
 * @param <I> what is written
 * @param <O> the answer for one item
 */
public final class GroupCommit<I, O> {

  private record Pending<I, O>(I item, Promise<O> promise) {
  }

  private final int maxBatch;
  private final long maxWeight;
  private final java.util.function.ToLongFunction<I> weight;
  /** Writes a batch in one statement; answers one result per item, in the batch's order. */
  private final Function<List<I>, Future<List<O>>> write;
  private final List<Pending<I, O>> queue = new ArrayList<>();
  private boolean writing;

  /**
   * @param maxBatch  the most items per statement
   * @param maxWeight the most weight per statement (one item whatever its weight): e.g. bytes, as a statement's
   *                  parameters are encoded in one direct buffer
   */
  public GroupCommit(int maxBatch, long maxWeight, java.util.function.ToLongFunction<I> weight,
                     Function<List<I>, Future<List<O>>> write) {
    this.maxBatch = maxBatch;
    this.maxWeight = maxWeight;
    this.weight = weight;
    this.write = write;
  }

  public Future<O> submit(I item) {
    Promise<O> promise = Promise.promise();
    synchronized (this) {
      queue.add(new Pending<>(item, promise));
    }
    flush();
    return Contexts.on(Vertx.currentContext(), promise.future());
  }

  private void flush() {
    List<Pending<I, O>> batch;
    synchronized (this) {
      if (writing || queue.isEmpty()) {
        return;
      }
      writing = true;
      int n = 0;
      long total = 0;
      while (n < queue.size() && n < maxBatch) {
        long w = weight.applyAsLong(queue.get(n).item());
        if (n > 0 && total + w > maxWeight) {
          break;
        }
        total += w;
        n++;
      }
      batch = new ArrayList<>(queue.subList(0, n));
      queue.subList(0, n).clear();
    }
    Future<List<O>> written;
    try {
      written = write.apply(batch.stream().map(Pending::item).toList());
    } catch (RuntimeException e) {
      written = Future.failedFuture(e);
    }
    written.onComplete(ar -> {
      synchronized (this) {
        writing = false;
      }
      for (int i = 0; i < batch.size(); i++) {
        Pending<I, O> p = batch.get(i);
        if (ar.succeeded()) {
          p.promise().complete(ar.result().get(i));
        } else {
          p.promise().fail(ar.cause());
        }
      }
      flush();
    });
  }
}
