package io.daytona.webhooks.testsupport.svix;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Immutable snapshots of the stand-in's state. Every record is safe to hand to another thread:
 * the stand-in replaces records instead of mutating them, and JSON values are copied on the way in and out.
 * JSON shapes ({@code toJson}) follow the Svix OpenAPI schemas of the same name (ApplicationOut, EndpointOut, ...).
 */
public final class SvixRecords {
  private SvixRecords() {
  }

  static String ts(Instant i) {
    return i.toString();
  }

  /** ApplicationOut. */
  public record StoredApp(String id, String uid, String name, Map<String, String> metadata, Long rateLimit,
                          Long throttleRate, Instant createdAt, Instant updatedAt) {
    public StoredApp {
      metadata = Map.copyOf(metadata);
    }

    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("uid", uid).put("name", name)
        .put("metadata", new JsonObject(Map.<String, Object>copyOf(metadata)))
        .put("rateLimit", rateLimit).put("throttleRate", throttleRate)
        .put("createdAt", ts(createdAt)).put("updatedAt", ts(updatedAt));
    }
  }

  /** EventTypeOut. */
  public record StoredEventType(String name, String description, boolean archived, boolean deprecated,
                                JsonObject schemas, String groupName, List<String> featureFlags,
                                Instant createdAt, Instant updatedAt) {
    public StoredEventType {
      schemas = schemas == null ? null : schemas.copy();
      featureFlags = featureFlags == null ? null : List.copyOf(featureFlags);
    }

    @Override
    public JsonObject schemas() {
      return schemas == null ? null : schemas.copy();
    }

    public JsonObject toJson(boolean withContent) {
      return new JsonObject().put("name", name).put("description", description).put("archived", archived)
        .put("deprecated", deprecated).put("schemas", withContent && schemas != null ? schemas.copy() : null)
        .put("groupName", groupName)
        .put("featureFlags", featureFlags == null ? null : new JsonArray(List.copyOf(featureFlags)))
        .put("featureFlag", featureFlags == null || featureFlags.isEmpty() ? null : featureFlags.get(0))
        .put("createdAt", ts(createdAt)).put("updatedAt", ts(updatedAt));
    }
  }

  /** EndpointOut (plus what Svix keeps but does not show in EndpointOut: the secret and custom headers). */
  public record StoredEndpoint(String id, String appId, String uid, String url, String description, boolean disabled,
                               List<String> filterTypes, List<String> channels, Map<String, String> metadata,
                               Map<String, String> headers, String secret, long version, Long rateLimit,
                               Long throttleRate, Instant createdAt, Instant updatedAt) {
    public StoredEndpoint {
      filterTypes = filterTypes == null ? null : List.copyOf(filterTypes);
      channels = channels == null ? null : List.copyOf(channels);
      metadata = Map.copyOf(metadata);
      headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** Does a message of this event type (and these channels) go to this endpoint, as Svix decides it? */
    public boolean accepts(String eventType, List<String> msgChannels) {
      if (disabled) {
        return false;
      }
      if (filterTypes != null && !filterTypes.isEmpty() && !filterTypes.contains(eventType)) {
        return false;
      }
      if (channels != null && !channels.isEmpty()) {
        return msgChannels != null && msgChannels.stream().anyMatch(channels::contains);
      }
      return true;
    }

    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("uid", uid).put("url", url).put("description", description)
        .put("disabled", disabled)
        .put("filterTypes", filterTypes == null ? null : new JsonArray(List.copyOf(filterTypes)))
        .put("channels", channels == null ? null : new JsonArray(List.copyOf(channels)))
        .put("metadata", new JsonObject(Map.<String, Object>copyOf(metadata)))
        .put("version", version).put("rateLimit", rateLimit).put("throttleRate", throttleRate)
        .put("createdAt", ts(createdAt)).put("updatedAt", ts(updatedAt));
    }
  }

  /**
   * A stored message. {@code payload} is the parsed JSON payload (from {@code payload} or from
   * {@code transformationsParams.rawPayload}); {@code rawPayload} is the exact body delivered to endpoints.
   */
  public record StoredMessage(String id, String appId, String eventId, String eventType, JsonObject payload,
                              String rawPayload, List<String> channels, List<String> tags, Instant timestamp) {
    public StoredMessage {
      payload = payload == null ? new JsonObject() : payload.copy();
      channels = channels == null ? null : List.copyOf(channels);
      tags = tags == null ? null : List.copyOf(tags);
    }

    @Override
    public JsonObject payload() {
      return payload.copy();
    }

    public JsonObject toJson(boolean withContent) {
      return new JsonObject().put("id", id).put("eventId", eventId).put("eventType", eventType)
        .put("payload", withContent ? payload.copy() : new JsonObject())
        .put("channels", channels == null ? null : new JsonArray(List.copyOf(channels)))
        .put("tags", tags == null ? null : new JsonArray(List.copyOf(tags)))
        .put("timestamp", ts(timestamp)).put("deliverAt", null);
    }
  }

  /**
   * One delivery attempt of a message to an endpoint. {@code statusCode} is null when the connection failed
   * ({@code error} then says why). {@code headers} are the headers sent (svix-id, svix-timestamp, svix-signature...);
   * {@code response} the receiver's response body ("" without one).
   */
  public record DeliveryAttempt(String attemptId, String appId, String msgId, String eventId, String eventType,
                                String endpointId, String url, Map<String, String> headers, String body,
                                Integer statusCode, String error, String response, Instant start, Instant end,
                                int triggerType) {
    public DeliveryAttempt {
      headers = Map.copyOf(headers);
    }

    /** Svix's MessageStatus: 0 success, 2 failed. */
    public int status() {
      return succeeded() ? 0 : 2;
    }

    /** MessageAttemptOut ({@code triggerType} 0 scheduled, 1 manual). */
    public JsonObject toJson() {
      return new JsonObject().put("id", attemptId).put("msgId", msgId).put("endpointId", endpointId).put("url", url)
        .put("response", error != null ? error : response == null ? "" : response).put("responseStatusCode", statusCode == null ? 0 : statusCode)
        .put("responseDurationMs", java.time.Duration.between(start, end).toMillis())
        .put("status", status()).put("statusText", succeeded() ? "success" : "fail")
        .put("triggerType", triggerType).put("timestamp", ts(start));
    }

    public boolean succeeded() {
      return statusCode != null && statusCode >= 200 && statusCode < 300;
    }
  }

  /** One operational webhook the stand-in sent (or tried to send). */
  public record OperationalWebhookSent(String id, String type, JsonObject body, Integer statusCode, String error,
                                       Instant at) {
    public OperationalWebhookSent {
      body = body.copy();
    }

    @Override
    public JsonObject body() {
      return body.copy();
    }
  }

  /** One HTTP request the stand-in received (faulted ones included). */
  public record RecordedRequest(String method, String path, String query, String idempotencyKey, String body,
                                Instant at) {
  }
}
