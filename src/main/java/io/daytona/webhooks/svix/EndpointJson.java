package io.daytona.webhooks.svix;

import com.svix.models.EndpointOut;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;

/** The API's {@code Endpoint}: {@code {id, url, description, eventTypes, disabled, createdAt, updatedAt}}. */
final class EndpointJson {

  private EndpointJson() {
  }

  static JsonObject from(EndpointOut ep) {
    JsonArray types = ep.getFilterTypes() == null || ep.getFilterTypes().isEmpty()
      ? null : new JsonArray(ep.getFilterTypes().stream().sorted().toList());
    return new JsonObject()
      .put("id", ep.getId())
      .put("uid", ep.getUid())
      .put("url", ep.getUrl() == null ? null : ep.getUrl().toString())
      .put("description", ep.getDescription() == null ? "" : ep.getDescription())
      .put("eventTypes", types)
      .put("disabled", Boolean.TRUE.equals(ep.getDisabled()))
      .put("createdAt", iso(ep.getCreatedAt()))
      .put("updatedAt", iso(ep.getUpdatedAt()));
  }

  private static String iso(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
