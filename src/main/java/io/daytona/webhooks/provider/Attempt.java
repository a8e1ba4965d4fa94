package io.daytona.webhooks.provider;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * One delivery attempt of a message to an endpoint. {@code responseStatusCode} 0 when no response came;
 * {@code response} the first 16 KiB of the response body, or the network error.
 */
public record Attempt(String id, String messageId, String endpointId, String url, Status status,
                      int responseStatusCode, String response, long durationMs, Trigger trigger, Instant timestamp) {

  /** Longest response body kept, in characters. */
  public static final int MAX_RESPONSE = 16 * 1024;

  public enum Status {
    SUCCESS, PENDING, FAILED, SENDING;

    public String api() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Status fromApi(String s) {
      return s == null ? null : valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
  }

  public enum Trigger {
    SCHEDULED, MANUAL;

    public String api() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The API's {@code Attempt}. */
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("messageId", messageId).put("endpointId", endpointId).put("url", url)
      .put("status", status.api()).put("responseStatusCode", responseStatusCode).put("response", response)
      .put("durationMs", durationMs).put("trigger", trigger.api())
      .put("timestamp", timestamp == null ? null : timestamp.toString());
  }
}
