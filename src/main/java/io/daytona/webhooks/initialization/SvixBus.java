package io.daytona.webhooks.initialization;

import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.bus.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Requests to the Svix verticle's internal bus API ({@code webhooks.svix.*}); every failure is an
 * {@link ApiError} (code = HTTP status, {@code upstreamStatus} = Svix's own status when it answered).
 */
final class SvixBus {

  private final Vertx vertx;
  private final DeliveryOptions options;

  SvixBus(Vertx vertx, long svixTimeoutMs) {
    this.vertx = vertx;
    // The Svix verticle enforces its own deadline; this only guards against a lost reply.
    this.options = new DeliveryOptions().setSendTimeout(svixTimeoutMs * 2 + 5_000);
  }

  Future<JsonObject> ensureApplication(String organizationId, String name) {
    return request("ensureApplication", new JsonObject().put("organizationId", organizationId).put("name", name));
  }

  Future<JsonObject> upsertEventTypes(JsonArray eventTypes) {
    return request("upsertEventTypes", new JsonObject().put("eventTypes", eventTypes));
  }

  Future<JsonObject> createEndpoint(String organizationId, String applicationName, String uid, String url,
                                    String description, JsonArray eventTypes) {
    return request("createEndpoint", new JsonObject().put("organizationId", organizationId)
      .put("applicationName", applicationName).put("uid", uid).put("url", url).put("description", description)
      .put("eventTypes", eventTypes));
  }

  /** {@code endpointId} may be the Svix id or the endpoint's uid. */
  Future<JsonObject> getEndpoint(String organizationId, String endpointId) {
    return request("getEndpoint", new JsonObject().put("organizationId", organizationId).put("endpointId", endpointId));
  }

  Future<JsonObject> updateEndpoint(String organizationId, String endpointId, String uid, String url,
                                    String description, JsonArray eventTypes) {
    return request("updateEndpoint", new JsonObject().put("organizationId", organizationId)
      .put("endpointId", endpointId).put("uid", uid).put("url", url).put("description", description)
      .put("eventTypes", eventTypes));
  }

  private Future<JsonObject> request(String action, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(Addresses.svix(action), body, options)
      .transform(ar -> ar.succeeded()
        ? Future.succeededFuture(ar.result().body())
        : Future.failedFuture(ApiError.from(ar.cause())));
  }

  static boolean isStatus(Throwable err, int status) {
    return err instanceof ApiError e && e.status() == status;
  }
}
