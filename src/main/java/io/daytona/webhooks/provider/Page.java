package io.daytona.webhooks.provider;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Function;

/** One page of a listing: {@code iterator} continues it (null when {@code done}). */
public record Page<T>(List<T> data, String iterator, boolean done) {

  public static <T> Page<T> empty() {
    return new Page<>(List.of(), null, true);
  }

  /** The API's {@code {data: [...], iterator, done}}. */
  public JsonObject toJson(Function<T, JsonObject> item) {
    JsonArray items = new JsonArray();
    data.forEach(d -> items.add(item.apply(d)));
    return new JsonObject().put("data", items).put("iterator", done ? null : iterator).put("done", done);
  }
}
