package io.daytona.webhooks.initialization;

import io.daytona.webhooks.events.EventTypes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.List;

/**
 * The five endpoints every organization gets. Each has a stable Svix endpoint {@code uid}
 * ({@code <name>}), so that re-creating one never duplicates it.
 */
public final class PreconfiguredEndpoints {

  /** One preconfigured endpoint. */
  public record Definition(String name, String description, List<String> eventTypes) {

    /** The endpoint's URL for one organization. */
    public String url(URI baseUrl, String organizationId) {
      return trimSlash(baseUrl.toString()) + "/" + organizationId + "/" + name;
    }

    /** Svix endpoint uid: stable per organization (uids are unique within the organization's application). */
    public String uid() {
      return name;
    }

    public JsonObject toJson(URI baseUrl) {
      return new JsonObject().put("name", name).put("url", trimSlash(baseUrl.toString()) + "/{organizationId}/" + name)
        .put("description", description).put("eventTypes", new JsonArray(eventTypes));
    }
  }

  public static final List<Definition> ALL = List.of(
    new Definition("sandbox-events", "Sandbox lifecycle events", EventTypes.withPrefix("sandbox.")),
    new Definition("snapshot-events", "Snapshot management events", EventTypes.withPrefix("snapshot.")),
    new Definition("volume-events", "Volume lifecycle events", EventTypes.withPrefix("volume.")),
    new Definition("audit-events", "Audit and compliance events", EventTypes.withPrefix("audit-log.")),
    new Definition("all-events", "Every platform event", List.copyOf(EventTypes.PLATFORM.keySet())));

  private PreconfiguredEndpoints() {
  }

  public static JsonArray toJson(URI baseUrl) {
    JsonArray out = new JsonArray();
    ALL.forEach(d -> out.add(d.toJson(baseUrl)));
    return out;
  }

  private static String trimSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
