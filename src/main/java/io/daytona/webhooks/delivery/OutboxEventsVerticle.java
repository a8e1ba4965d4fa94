package io.daytona.webhooks.delivery;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.bus.ApiReply;
import io.daytona.webhooks.bus.ApiRequest;
import io.daytona.webhooks.delivery.OutboxRepository.Listed;
import io.daytona.webhooks.provider.PageRequest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The outbox's own view of an organization's events not (yet) handed to the provider: {@code listOutboxEvents}
 * ({@code queued} = PENDING rows, {@code rejected} = FAILED rows with the reason, newest first) and
 * {@code retryOutboxEvent} (a rejected row queued again, due at once; the dispatcher is woken). Rows already sent
 * are the provider's messages ({@code /messages}).
 */
public final class OutboxEventsVerticle extends VerticleBase {

  private final ServiceContext ctx;
  private OutboxRepository repository;

  public OutboxEventsVerticle(ServiceContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    repository = new OutboxRepository(ctx.database());
    return Future.all(
      ApiConsumer.register(vertx, "listOutboxEvents", this::list),
      ApiConsumer.register(vertx, "retryOutboxEvent", this::retry));
  }

  private Future<JsonObject> list(ApiRequest req) {
    Object limitParam = req.query("limit");
    int limit = limitParam == null ? PageRequest.DEFAULT_LIMIT : ((Number) limitParam).intValue();
    Long before;
    try {
      before = iterator((String) req.query("iterator"));
    } catch (IllegalArgumentException bad) {
      return Future.failedFuture(ApiError.badRequest("/query/iterator", "iterator: not one this listing gave"));
    }
    String status = req.query("status") == null ? null : "rejected".equals(req.query("status")) ? "FAILED" : "PENDING";
    // one more than asked: whether another page follows
    return repository.listUnsent(req.organizationId(), status, before, limit + 1).map(rows -> {
      boolean done = rows.size() <= limit;
      List<Listed> page = done ? rows : rows.subList(0, limit);
      JsonArray data = new JsonArray();
      page.forEach(r -> data.add(toJson(r)));
      return ApiReply.ok(new JsonObject().put("data", data)
        .put("iterator", done ? null : "out_" + page.get(page.size() - 1).id())
        .put("done", done));
    });
  }

  private Future<JsonObject> retry(ApiRequest req) {
    String org = req.organizationId();
    String eventId = req.pathParam("eventId");
    return repository.requeue(org, eventId).compose(row -> {
      if (row != null) {
        vertx.eventBus().send(Addresses.OUTBOX_WAKE_UP, new JsonArray().add(org));
        return Future.succeededFuture(ApiReply.accepted(toJson(row)));
      }
      return repository.find(org, eventId).compose(existing -> Future.failedFuture(existing == null
        ? ApiError.notFound("Organization '" + org + "' has no event '" + eventId + "' in the outbox.")
        : new ApiError(409, "Event '" + eventId + "' is not rejected (it is "
          + existing.getString("state") + "): only a rejected event can be queued again.")));
    });
  }

  /** The iterator is the last listed row's id, {@code out_<id>}; null: from the newest. */
  private static Long iterator(String iterator) {
    if (iterator == null) {
      return null;
    }
    if (!iterator.startsWith("out_")) {
      throw new IllegalArgumentException(iterator);
    }
    return Long.parseLong(iterator.substring(4));
  }

  static JsonObject toJson(Listed r) {
    boolean rejected = "FAILED".equals(r.status());
    return new JsonObject()
      .put("eventId", r.eventId())
      .put("eventType", r.eventType())
      .put("status", rejected ? "rejected" : "queued")
      .put("reason", r.lastError())
      .put("attempts", r.attempts())
      .put("nextAttemptAt", rejected || r.nextAttemptAt() == null ? null : r.nextAttemptAt().toInstant().toString())
      .put("createdAt", r.createdAt().toInstant().toString());
  }
}
