package io.daytona.webhooks.initialization;

import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.initialization.InitializationRecords.OrgRef;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One bulk operation over many organizations: pages through them by keyset (one page in memory at a
 * time), runs the per-organization task with at most {@code concurrency} in flight, collects the
 * per-organization result items and publishes progress on {@code webhooks.admin}:
 * {@code {type: "bulk.progress", operation, done, total, failed, data: {operation, done, total, failed}, timestamp}}
 * at the start, every {@code progressEvery} organizations and at the end.
 *
 * <p>Runs on the calling verticle's event loop: its counters need no synchronisation.
 */
final class BulkRun {

  static final String PROGRESS_TYPE = "bulk.progress";

  /** A page of organizations after a cursor (null: from the start); empty when there are no more. */
  interface Pager extends BiFunction<String, Integer, Future<List<OrgRef>>> {
  }

  /** The summary: how many were attempted, how many failed, and each organization's result item. */
  record Summary(int attempted, int failed, JsonArray results) {
  }

  private final Vertx vertx;
  private final String operation;
  private final int concurrency;
  private final int pageSize;
  private final int progressEvery;
  private final Pager pager;
  private final Function<OrgRef, Future<JsonObject>> task;
  private final JsonArray results = new JsonArray();
  private long total;
  private int done;
  private int failed;

  BulkRun(Vertx vertx, String operation, int concurrency, int pageSize, int progressEvery, Pager pager,
          Function<OrgRef, Future<JsonObject>> task) {
    this.vertx = vertx;
    this.operation = operation;
    this.concurrency = Math.max(1, concurrency);
    this.pageSize = Math.max(1, pageSize);
    this.progressEvery = Math.max(1, progressEvery);
    this.pager = pager;
    this.task = task;
  }

  /** Runs over every organization the pager yields; {@code total} is the expected count (for progress). */
  Future<Summary> run(long expectedTotal) {
    total = expectedTotal;
    publish();
    Promise<Summary> promise = Promise.promise();
    nextPage(null, promise);
    return promise.future();
  }

  private void nextPage(String cursor, Promise<Summary> promise) {
    pager.apply(cursor, pageSize).onFailure(promise::fail).onSuccess(page -> {
      if (page.isEmpty()) {
        publish();
        promise.complete(new Summary(done, failed, results));
        return;
      }
      runPage(page).onComplete(ar -> nextPage(page.get(page.size() - 1).organizationId(), promise));
    });
  }

  private Future<Void> runPage(List<OrgRef> page) {
    int[] next = {0};
    Future<?>[] lanes = new Future<?>[Math.min(concurrency, page.size())];
    for (int i = 0; i < lanes.length; i++) {
      lanes[i] = lane(page, next);
    }
    return Future.join(List.of(lanes)).mapEmpty();
  }

  /** Takes the page's next organization, runs it, and goes on until the page is exhausted. */
  private Future<Void> lane(List<OrgRef> page, int[] next) {
    if (next[0] >= page.size()) {
      return Future.succeededFuture();
    }
    OrgRef org = page.get(next[0]++);
    Future<JsonObject> one;
    try {
      one = task.apply(org);
    } catch (RuntimeException e) {
      one = Future.failedFuture(e);
    }
    return one.otherwise(err -> Initializer.item(org.organizationId(), "FAILED",
        err.getMessage() == null ? err.toString() : err.getMessage()))
      .compose(item -> {
        record(item);
        return lane(page, next);
      });
  }

  private void record(JsonObject item) {
    results.add(item);
    done++;
    if ("FAILED".equals(item.getString("status"))) {
      failed++;
    }
    if (done % progressEvery == 0) {
      publish();
    }
  }

  private void publish() {
    JsonObject progress = new JsonObject().put("operation", operation).put("done", done)
      .put("total", Math.max(total, done)).put("failed", failed);
    vertx.eventBus().publish(Addresses.ADMIN, progress.copy().put("type", PROGRESS_TYPE).putNull("organizationId")
      .put("data", progress).put("timestamp", Instant.now().toString()));
  }
}
