package io.daytona.webhooks.provider;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;

/**
 * An endpoint as the provider has it. {@code eventTypes} empty means every type; {@code uid} is the
 * stable name of a preconfigured endpoint (null for others).
 */
public record Endpoint(String id, String uid, String url, String description, List<String> eventTypes,
                       boolean disabled, Instant createdAt, Instant updatedAt) {

  public Endpoint {
    eventTypes = eventTypes == null ? List.of() : List.copyOf(eventTypes);
    description = description == null ? "" : description;
  }

  /** The API's {@code Endpoint}: {@code {id, url, description, eventTypes (null: every type), disabled, createdAt, updatedAt}}. */
  public JsonObject toJson() {
    return new JsonObject()
      .put("id", id)
      .put("uid", uid)
      .put("url", url)
      .put("description", description)
      .put("eventTypes", eventTypes.isEmpty() ? null : new JsonArray(eventTypes.stream().sorted().toList()))
      .put("disabled", disabled)
      .put("createdAt", createdAt == null ? null : createdAt.toString())
      .put("updatedAt", updatedAt == null ? null : updatedAt.toString());
  }
}
