package io.daytona.webhooks.provider;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** A message the provider has: {@code payload} is its JSON body (raw text). */
public record Message(String id, String eventId, String eventType, String payload, Instant createdAt) {

  /** The API's {@code Message}: {@code {id, eventId, eventType, payload (object), createdAt}}. */
  public JsonObject toJson() {
    Object body;
    try {
      body = payload == null ? null : new JsonObject(payload);
    } catch (RuntimeException notAnObject) {
      body = payload;
    }
    return new JsonObject().put("id", id).put("eventId", eventId).put("eventType", eventType).put("payload", body)
      .put("createdAt", createdAt == null ? null : createdAt.toString());
  }
}
