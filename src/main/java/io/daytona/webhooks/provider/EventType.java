package io.daytona.webhooks.provider;

import io.vertx.core.json.JsonObject;

/** An event type to register: name, description, and (platform types) its JSON Schema and an example payload. */
public record EventType(String name, String description, JsonObject schema, JsonObject example) {

  public static EventType custom(String name) {
    return new EventType(name, "Custom event " + name, null, null);
  }
}
