package io.daytona.webhooks.events;

import io.daytona.webhooks.Hashing;
import io.daytona.webhooks.OrganizationIds;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A platform event message checked and turned into what goes into the outbox: its organization,
 * its eventId (given or derived) and the payload (the body, with {@code createdAt} added when
 * missing). {@link #parse} throws {@link BadEvent} with {@code "<field>: <problem>"}.
 */
public record PlatformEvent(String eventType, String organizationId, String eventId, JsonObject payload) {

  /** Svix's eventId rule. */
  public static final Pattern EVENT_ID = Pattern.compile("^[a-zA-Z0-9._-]{1,256}$");
  /** Ids of resources: the same rule as eventIds (organization ids follow {@link OrganizationIds}). */
  public static final Pattern ID = EVENT_ID;
  /** The fields that date an event, in the order they are looked for when the event type does not say. */
  static final List<String> TIMESTAMP_FIELDS = List.of("updatedAt", "removedAt", "lastUsedAt", "createdAt");

  /** A body that cannot be accepted; the message names the field, the status is 400 or 413 (too large). */
  public static final class BadEvent extends RuntimeException {
    private final int status;

    public BadEvent(String message) {
      this(400, message);
    }

    public BadEvent(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }

    /** The failure code the requester gets. */
    public int status() {
      return status;
    }
  }

  private static BadEvent tooLarge(int maxBytes) {
    return new BadEvent(413, "body: larger than MAX_PAYLOAD_BYTES (" + maxBytes + " bytes)");
  }

  /** The body as JSON text, as far as it can be told (for the dead-letter table). */
  public static String rawText(Object body) {
    if (body == null) {
      return null;
    }
    if (body instanceof JsonObject o) {
      return o.encode();
    }
    if (body instanceof Buffer b) {
      return b.toString(StandardCharsets.UTF_8);
    }
    if (body instanceof JsonArray a) {
      return a.encode();
    }
    return String.valueOf(body);
  }

  /** @param maxBytes {@code MAX_PAYLOAD_BYTES}: the largest body, as encoded JSON (413 beyond) */
  public static PlatformEvent parse(String eventType, MultiMap headers, Object body, int maxBytes) {
    JsonObject json = object(body, maxBytes);
    if (json.encode().getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw tooLarge(maxBytes);
    }
    String organizationId = string(json, "organizationId");
    if (!OrganizationIds.valid(organizationId)) {
      throw new BadEvent("organizationId: " + OrganizationIds.RULE);
    }
    String resourceId = id(json, "id");
    String eventId = headers == null ? null : headers.get("eventId");
    String field = "eventId header";
    if (eventId == null) {
      Object fromBody = json.getValue("eventId");
      if (fromBody != null && !(fromBody instanceof String)) {
        throw new BadEvent("eventId: must be a string");
      }
      eventId = (String) fromBody;
      field = "eventId";
    }
    if (eventId != null && !EVENT_ID.matcher(eventId).matches()) {
      throw new BadEvent(field + ": must be 1-256 characters of a-z A-Z 0-9 . _ -");
    }
    if (eventId == null) {
      eventId = deriveEventId(eventType, resourceId, json);
    }
    JsonObject payload = json.copy();
    if (payload.getValue("createdAt") == null) {
      payload.put("createdAt", Instant.now().toString());
    }
    return new PlatformEvent(eventType, organizationId, eventId, payload);
  }

  private static JsonObject object(Object body, int maxBytes) {
    if (body instanceof JsonObject o) {
      return o;
    }
    if (body instanceof String || body instanceof Buffer) {
      String text = rawText(body);
      // no fewer bytes than characters: too large before it is parsed
      if (text.length() > maxBytes) {
        throw tooLarge(maxBytes);
      }
      try {
        Object parsed = io.vertx.core.json.Json.decodeValue(text);
        if (parsed instanceof JsonObject o) {
          return o;
        }
      } catch (DecodeException notJson) {
        // falls through
      }
    }
    throw new BadEvent("body: must be a JSON object");
  }

  private static String string(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v == null) {
      throw new BadEvent(field + ": required");
    }
    if (!(v instanceof String s)) {
      throw new BadEvent(field + ": must be a string");
    }
    return s;
  }

  private static String id(JsonObject json, String field) {
    String s = string(json, field);
    if (!ID.matcher(s).matches()) {
      throw new BadEvent(field + ": must be 1-256 characters of A-Z a-z 0-9 . _ -");
    }
    return s;
  }

  /**
   * {@code <eventType>_<first 40 hex of SHA-256(...)>} over the event type, the resource id and either the
   * event's timestamp (field and value) or, when it carries none, the body's canonical JSON: the same event
   * published again, or to every node, gets the same id, and nothing of it comes from the clock. The
   * timestamp is the one the event type implies ({@code createdAt} for *.created, {@code removedAt} for
   * *.removed, {@code lastUsedAt}, {@code updatedAt}), else the first of updatedAt, removedAt, lastUsedAt,
   * createdAt it carries. Always fits Svix's eventId rule (the type is a platform type, the rest hex).
   */
  static String deriveEventId(String eventType, String resourceId, JsonObject json) {
    String field = timestampField(eventType, json);
    String basis = field == null ? "body=" + canonicalJson(json) : field + "=" + json.getValue(field);
    String eventId = eventType + "_" + Hashing.sha256Hex(eventType + "\n" + resourceId + "\n" + basis).substring(0, 40);
    if (!EVENT_ID.matcher(eventId).matches()) {
      throw new IllegalStateException("derived eventId breaks Svix's rule: " + eventId);
    }
    return eventId;
  }

  /** JSON text with every object's keys sorted, recursively (arrays keep their order); no whitespace. */
  static String canonicalJson(Object value) {
    return Json.encode(sorted(value));
  }

  /** (JsonObject and JsonArray iteration hands nested maps and lists over as JsonObject and JsonArray.) */
  private static Object sorted(Object value) {
    if (value instanceof JsonObject o) {
      Map<String, Object> out = new TreeMap<>();
      o.forEach(e -> out.put(e.getKey(), sorted(e.getValue())));
      return out;
    }
    if (value instanceof JsonArray a) {
      List<Object> out = new ArrayList<>(a.size());
      a.forEach(v -> out.add(sorted(v)));
      return out;
    }
    return value;
  }

  private static String timestampField(String eventType, JsonObject json) {
    String preferred = eventType.endsWith(".created") ? "createdAt"
      : eventType.endsWith(".removed") ? "removedAt"
      : eventType.startsWith("volume.lastUsedAt") ? "lastUsedAt"
      : "updatedAt";
    if (json.getValue(preferred) != null) {
      return preferred;
    }
    return TIMESTAMP_FIELDS.stream().filter(f -> json.getValue(f) != null).findFirst().orElse(null);
  }
}
