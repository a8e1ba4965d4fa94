package io.daytona.webhooks.realtime;

import io.daytona.webhooks.provider.Attempt;
import io.daytona.webhooks.provider.DeliveryListener;
import io.daytona.webhooks.provider.Endpoint;
import io.daytona.webhooks.provider.Message;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Turns what a self-delivering provider reports into real-time messages: each attempt as
 * {@code webhook.delivered} / {@code webhook.failed} with
 * {@code {messageId, eventId, eventType, endpointId, attemptId, responseStatusCode, durationMs, attempt}}, an
 * endpoint it disabled as {@code endpoint.updated} with {@code disabled: true} and the reason.
 */
public final class RealtimeDeliveryListener implements DeliveryListener {

  private final Vertx vertx;

  public RealtimeDeliveryListener(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public void attempted(String organizationId, Message message, Attempt attempt, int attemptNumber) {
    JsonObject data = new JsonObject()
      .put("messageId", message.id())
      .put("eventId", message.eventId())
      .put("eventType", message.eventType())
      .put("endpointId", attempt.endpointId())
      .put("attemptId", attempt.id())
      .put("responseStatusCode", attempt.responseStatusCode())
      .put("durationMs", attempt.durationMs())
      .put("attempt", attemptNumber);
    String type = attempt.status() == Attempt.Status.SUCCESS ? RealtimeEvents.WEBHOOK_DELIVERED : RealtimeEvents.WEBHOOK_FAILED;
    RealtimeEvents.publish(vertx, type, organizationId, data);
  }

  @Override
  public void endpointDisabled(String organizationId, Endpoint endpoint, String reason) {
    JsonObject data = endpoint.toJson().put("disabled", true).put("reason", reason);
    RealtimeEvents.publish(vertx, RealtimeEvents.ENDPOINT_UPDATED, organizationId, data);
  }
}
