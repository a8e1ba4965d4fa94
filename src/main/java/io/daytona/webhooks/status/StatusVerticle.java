package io.daytona.webhooks.status;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.cluster.Clustering;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiReply;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.ProviderHealth;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.sqlclient.Row;

/** Answers {@code GET /status}: the delivery provider (its health), database, outbox backlog and cluster, each checked for real. */
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
    DeliveryProvider provider = ctx.provider();
    Future<ProviderHealth> health = provider.health();
    Future<JsonObject> outbox = outbox();
    return Future.join(health, outbox).transform(ignored -> {
      JsonObject o = outbox.succeeded() ? outbox.result() : null;
      boolean svix = "svix".equals(provider.name());
      ProviderHealth h = health.succeeded() ? health.result() : new ProviderHealth(provider.configured(), false);
      return Future.succeededFuture(new JsonObject()
        .put("enabled", h.configured())
        .put("provider", provider.name())
        // the builtin provider has no Svix: neither configured nor reachable
        .put("svix", new JsonObject().put("configured", svix && h.configured()).put("reachable", svix && h.reachable()))
        .put("database", new JsonObject().put("reachable", outbox.succeeded()))
        .put("outbox", o != null ? o : new JsonObject().putNull("pending").putNull("failed").putNull("oldestPendingSeconds"))
        .put("cluster", new JsonObject().put("enabled", clusterManager != null).put("members", members())));
    });
  }

  private Future<JsonObject> outbox() {
    // queued rows are those past their organization's cursor: one index range per organization with a cursor
    String sql = "SELECT"
      + " (SELECT coalesce(sum(q.n), 0) FROM outbox_cursors c CROSS JOIN LATERAL (SELECT count(*) AS n FROM event_outbox e"
      + "   WHERE e.organization_id = c.organization_id AND e.status = 'PENDING' AND e.id > c.sent_up_to) q)::int8 AS pending,"
      + " (SELECT count(*) FROM event_outbox WHERE status = 'FAILED') AS failed,"
      + " (SELECT extract(epoch FROM now() - min(h.created_at)) FROM outbox_cursors c CROSS JOIN LATERAL ("
      + "   SELECT e.created_at FROM event_outbox e WHERE e.organization_id = c.organization_id AND e.status = 'PENDING'"
      + "   AND e.id > c.sent_up_to ORDER BY e.id LIMIT 1) h) AS oldest";
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
