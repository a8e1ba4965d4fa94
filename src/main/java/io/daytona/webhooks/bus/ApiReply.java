package io.daytona.webhooks.bus;

import io.vertx.core.json.JsonObject;

/** The reply to an {@link ApiRequest}: {@code {status, body, headers?}}. */
public final class ApiReply {

  private ApiReply() {
  }

  public static JsonObject of(int status, Object body) {
    return new JsonObject().put("status", status).put("body", body);
  }

  public static JsonObject ok(Object body) {
    return of(200, body);
  }

  public static JsonObject created(Object body) {
    return of(201, body);
  }

  public static JsonObject accepted(Object body) {
    return of(202, body);
  }

  public static JsonObject noContent() {
    return new JsonObject().put("status", 204);
  }
}
