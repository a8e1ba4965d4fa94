package io.daytona.webhooks.status;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.cluster.Clustering;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiReply;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.sqlclient.Row;

/** Answers {@code GET /status}: Svix, database, outbox backlog and cluster, each checked for real. */
public final class StatusVerticle extends VerticleBase {

  private final ServiceContext ctx;
  private final ClusterManager clusterManager;

  public StatusVerticle(ServiceContext ctx, ClusterManager clusterManager) {
    this.ctx = ctx;
    this.clusterManager = clusterManager;
  }

  @Override
  public Future<?> start() {
    return ApiConsumer.register(vertx, "getStatus", req -> status().map(ApiReply::ok));
  }

  Future<JsonObject> status() {
    Future<Boolean> svix = svixReachable();
    Future<JsonObject> outbox = outbox();
    return Future.join(svix, outbox).transform(ignored -> {
      JsonObject o = outbox.succeeded() ? outbox.result() : null;
      return Future.succeededFuture(new JsonObject()
        .put("enabled", ctx.config().svixEnabled())
        .put("svix", new JsonObject().put("configured", ctx.config().svixEnabled())
          .put("reachable", svix.succeeded() && svix.result()))
        .put("database", new JsonObject().put("reachable", outbox.succeeded()))
        .put("outbox", o != null ? o : new JsonObject().putNull("pending").putNull("failed").putNull("oldestPendingSeconds"))
        .put("cluster", new JsonObject().put("enabled", clusterManager != null).put("members", members())));
    });
  }

  /** Asks the Svix verticle for a cheap health call; false when Svix is disabled or does not answer. */
  private Future<Boolean> svixReachable() {
    if (!ctx.config().svixEnabled()) {
      return Future.succeededFuture(false);
    }
    return vertx.eventBus().<JsonObject>request(Addresses.svix("health"), new JsonObject(),
        new DeliveryOptions().setSendTimeout(ctx.config().svixTimeout.toMillis() + 1_000))
      .map(reply -> reply.body().getBoolean("reachable", false))
      .otherwise(false);
  }

  private Future<JsonObject> outbox() {
    // "attempts >= 0" (always true) lets these use the index event_outbox_pending_for_status (see its migration, V10)
    String sql = "SELECT"
      + " (SELECT count(*) FROM event_outbox WHERE status = 'PENDING' AND attempts >= 0) AS pending,"
      + " (SELECT count(*) FROM event_outbox WHERE status = 'FAILED') AS failed,"
      + " (SELECT extract(epoch FROM now() - created_at) FROM event_outbox WHERE status = 'PENDING' AND attempts >= 0"
      + " ORDER BY id LIMIT 1) AS oldest";
    return ctx.database().pool().query(sql).execute().map(rows -> {
      Row row = rows.iterator().next();
      Object oldest = row.getValue("oldest");
      return new JsonObject()
        .put("pending", row.getLong("pending"))
        .put("failed", row.getLong("failed"))
        .put("oldestPendingSeconds", oldest == null ? null : ((Number) oldest).doubleValue());
    });
  }

  /** Hazelcast addresses {@code host:port} of every member of the cluster, this node included. */
  private JsonArray members() {
    return new JsonArray(Clustering.members(clusterManager));
  }
}
