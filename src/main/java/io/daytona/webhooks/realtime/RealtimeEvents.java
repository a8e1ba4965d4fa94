package io.daytona.webhooks.realtime;

import io.daytona.webhooks.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * Publishes real-time messages {@code {type, organizationId, data, timestamp}} on the clustered
 * bus: to {@code webhooks.org.<organizationId>} and to {@code webhooks.admin}.
 */
public final class RealtimeEvents {

  public static final String WEBHOOK_DELIVERED = "webhook.delivered";
  public static final String WEBHOOK_FAILED = "webhook.failed";
  public static final String ENDPOINT_CREATED = "endpoint.created";
  public static final String ENDPOINT_UPDATED = "endpoint.updated";
  public static final String ENDPOINT_DELETED = "endpoint.deleted";

  private RealtimeEvents() {
  }

  public static JsonObject message(String type, String organizationId, Object data) {
    return new JsonObject().put("type", type).put("organizationId", organizationId).put("data", data)
      .put("timestamp", Instant.now().toString());
  }

  public static void publish(Vertx vertx, String type, String organizationId, Object data) {
    JsonObject message = message(type, organizationId, data);
    vertx.eventBus().publish(Addresses.org(organizationId), message);
    vertx.eventBus().publish(Addresses.ADMIN, message);
  }
}
