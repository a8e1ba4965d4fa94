package io.daytona.webhooks.events;

import io.daytona.webhooks.provider.EventType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The platform's event types, written once: name, description, the JSON Schema (2020-12) of the payload and an
 * example payload. {@link EventTypes#PLATFORM} (names and descriptions), the provider's registration of the event
 * types (with Svix, the schema and example go onto Svix's event type), {@code GET /event-types} and the test event
 * of {@code POST …/endpoints/{endpointId}/test} all read it.
 *
 * <p>Every payload carries {@code id} and {@code organizationId}; the service adds {@code createdAt} when the
 * event has none, so it is always there; other fields the platform sends pass through (the schemas allow them).
 */
public final class EventCatalog {

  /** The JSON Schema dialect of every schema here. */
  public static final String DIALECT = "https://json-schema.org/draft/2020-12/schema";

  private static final String ORG = "org_2f9c1a7e";
  private static final List<EventType> PLATFORM;

  static {
    List<EventType> types = new ArrayList<>();
    types.add(type("sandbox.created", "A sandbox was created",
      fields().str("state", "the sandbox's state").str("class", "the sandbox's class (SMALL, MEDIUM, LARGE)"),
      List.of("state"),
      new JsonObject().put("id", "sb_7d1e0c").put("organizationId", ORG).put("state", "STARTED").put("class", "SMALL")
        .put("createdAt", "2025-01-01T00:00:00.000Z")));
    types.add(type("sandbox.state.updated", "A sandbox changed state",
      fields().str("oldState", "the state before").str("newState", "the state now").time("updatedAt"),
      List.of("newState"),
      new JsonObject().put("id", "sb_7d1e0c").put("organizationId", ORG).put("oldState", "STARTED")
        .put("newState", "STOPPED").put("updatedAt", "2025-01-01T01:00:00.000Z").put("createdAt", "2025-01-01T01:00:00.000Z")));
    types.add(type("sandbox.desired-state.updated", "A sandbox's desired state changed",
      fields().str("oldDesiredState", "the desired state before").str("newDesiredState", "the desired state now")
        .time("updatedAt"),
      List.of("newDesiredState"),
      new JsonObject().put("id", "sb_7d1e0c").put("organizationId", ORG).put("oldDesiredState", "STARTED")
        .put("newDesiredState", "DESTROYED").put("updatedAt", "2025-01-01T02:00:00.000Z")
        .put("createdAt", "2025-01-01T02:00:00.000Z")));
    types.add(type("snapshot.created", "A snapshot was created",
      fields().str("name", "the snapshot's name").str("state", "the snapshot's state"),
      List.of(),
      new JsonObject().put("id", "snap_41b2").put("name", "python-3.12").put("organizationId", ORG).put("state", "PENDING")
        .put("createdAt", "2025-01-01T00:00:00.000Z")));
    types.add(type("snapshot.state.updated", "A snapshot changed state",
      fields().str("name", "the snapshot's name").str("oldState", "the state before").str("newState", "the state now")
        .time("updatedAt"),
      List.of("newState"),
      new JsonObject().put("id", "snap_41b2").put("name", "python-3.12").put("organizationId", ORG)
        .put("oldState", "PENDING").put("newState", "ACTIVE").put("updatedAt", "2025-01-01T00:05:00.000Z")
        .put("createdAt", "2025-01-01T00:05:00.000Z")));
    types.add(type("snapshot.removed", "A snapshot was removed",
      fields().str("name", "the snapshot's name").time("removedAt"),
      List.of(),
      new JsonObject().put("id", "snap_41b2").put("name", "python-3.12").put("organizationId", ORG)
        .put("removedAt", "2025-01-02T00:00:00.000Z").put("createdAt", "2025-01-02T00:00:00.000Z")));
    types.add(type("volume.created", "A volume was created",
      fields().str("name", "the volume's name").str("state", "the volume's state"),
      List.of(),
      new JsonObject().put("id", "vol_9a0f").put("name", "data").put("organizationId", ORG).put("state", "CREATING")
        .put("createdAt", "2025-01-01T00:00:00.000Z")));
    types.add(type("volume.state.updated", "A volume changed state",
      fields().str("name", "the volume's name").str("oldState", "the state before").str("newState", "the state now")
        .time("updatedAt"),
      List.of("newState"),
      new JsonObject().put("id", "vol_9a0f").put("name", "data").put("organizationId", ORG).put("oldState", "CREATING")
        .put("newState", "READY").put("updatedAt", "2025-01-01T00:01:00.000Z").put("createdAt", "2025-01-01T00:01:00.000Z")));
    types.add(type("volume.lastUsedAt.updated", "A volume was used",
      fields().str("name", "the volume's name").time("lastUsedAt"),
      List.of("lastUsedAt"),
      new JsonObject().put("id", "vol_9a0f").put("name", "data").put("organizationId", ORG)
        .put("lastUsedAt", "2025-01-03T00:00:00.000Z").put("createdAt", "2025-01-03T00:00:00.000Z")));
    types.add(type("audit-log.created", "An audit log entry was created",
      fields().str("action", "what was done, e.g. create").str("targetType", "the kind of resource acted on")
        .str("targetId", "the resource acted on"),
      List.of("action"),
      new JsonObject().put("id", "audit_5c3e").put("organizationId", ORG).put("action", "create")
        .put("targetType", "sandbox").put("targetId", "sb_7d1e0c").put("createdAt", "2025-01-01T00:00:00.000Z")));
    types.add(type("audit-log.updated", "An audit log entry was updated",
      fields().str("action", "what was done, e.g. create").str("targetType", "the kind of resource acted on")
        .str("targetId", "the resource acted on").integer("statusCode", "the outcome's status code").time("updatedAt"),
      List.of("action"),
      new JsonObject().put("id", "audit_5c3e").put("organizationId", ORG).put("action", "create")
        .put("targetType", "sandbox").put("targetId", "sb_7d1e0c").put("statusCode", 200)
        .put("updatedAt", "2025-01-01T00:00:01.000Z").put("createdAt", "2025-01-01T00:00:00.000Z")));
    PLATFORM = Collections.unmodifiableList(types);
  }

  private EventCatalog() {
  }

  /** The eleven platform types, in the order of the platform's event addresses. */
  public static List<EventType> platform() {
    return PLATFORM;
  }

  /** The platform type of this name, or empty (a custom type). */
  public static Optional<EventType> platformType(String name) {
    return PLATFORM.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** The API's {@code EventType}: {@code {name, description, schema, example}} (copies). */
  public static JsonObject toJson(EventType t) {
    return new JsonObject().put("name", t.name()).put("description", t.description())
      .put("schema", t.schema() == null ? null : t.schema().copy())
      .put("example", t.example() == null ? null : t.example().copy());
  }

  // ---------------------------------------------------------------- building the schemas

  private static EventType type(String name, String description, Fields specific, List<String> required,
                                JsonObject example) {
    JsonObject properties = new JsonObject()
      .put("id", new JsonObject().put("type", "string").put("description", "the resource's id"))
      .put("organizationId", new JsonObject().put("type", "string").put("description", "the organization's id"));
    specific.properties.forEach(properties::put);
    properties.put("createdAt", new JsonObject().put("type", "string").put("format", "date-time")
      .put("description", "when the event happened (added by the service when the platform sent none)"));
    JsonArray req = new JsonArray().add("id").add("organizationId");
    required.forEach(req::add);
    req.add("createdAt");
    JsonObject schema = new JsonObject()
      .put("$schema", DIALECT)
      .put("title", name)
      .put("description", description)
      .put("type", "object")
      .put("properties", properties)
      .put("required", req)
      .put("additionalProperties", true);
    return new EventType(name, description, schema, example);
  }

  private static Fields fields() {
    return new Fields();
  }

  private static final class Fields {
    final Map<String, JsonObject> properties = new LinkedHashMap<>();

    Fields str(String name, String description) {
      properties.put(name, new JsonObject().put("type", "string").put("description", description));
      return this;
    }

    Fields integer(String name, String description) {
      properties.put(name, new JsonObject().put("type", "integer").put("description", description));
      return this;
    }

    Fields time(String name) {
      properties.put(name, new JsonObject().put("type", "string").put("format", "date-time"));
      return this;
    }
  }
}
