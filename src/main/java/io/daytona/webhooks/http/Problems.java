package io.daytona.webhooks.http;

import io.daytona.webhooks.bus.ApiError;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;

/** Writes RFC 9457 {@code application/problem+json} responses. */
final class Problems {

  static final String CONTENT_TYPE = "application/problem+json";

  private static final Map<Integer, String> TYPES = Map.ofEntries(
    Map.entry(400, "validation-error"), Map.entry(401, "unauthorized"), Map.entry(403, "forbidden"),
    Map.entry(404, "not-found"), Map.entry(405, "method-not-allowed"), Map.entry(409, "conflict"),
    Map.entry(413, "payload-too-large"), Map.entry(415, "unsupported-media-type"), Map.entry(429, "rate-limited"),
    Map.entry(500, "internal-error"), Map.entry(501, "not-implemented"), Map.entry(502, "svix-error"),
    Map.entry(503, "unavailable"), Map.entry(504, "timeout"));

  private Problems() {
  }

  static JsonObject body(int status, String detail, JsonArray errors) {
    JsonObject problem = new JsonObject()
      .put("type", "urn:webhook-service:problem:" + TYPES.getOrDefault(status, "error"))
      .put("title", HttpResponseStatus.valueOf(status).reasonPhrase())
      .put("status", status)
      .put("detail", detail == null ? HttpResponseStatus.valueOf(status).reasonPhrase() : detail);
    if (errors != null && !errors.isEmpty()) {
      problem.put("errors", errors);
    }
    return problem;
  }

  static void send(RoutingContext rc, ApiError error) {
    if (rc.response().ended()) {
      return;
    }
    if (rc.response().headWritten()) {
      rc.response().reset();
      return;
    }
    var response = rc.response().setStatusCode(error.status()).putHeader("Content-Type", CONTENT_TYPE);
    if (error.retryAfterSeconds() != null) {
      response.putHeader("Retry-After", String.valueOf(error.retryAfterSeconds()));
    }
    if (error.status() == 401) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    response.end(body(error.status(), error.detail(), error.errors()).encode());
  }

  static void send(RoutingContext rc, int status, String detail) {
    send(rc, new ApiError(status, detail));
  }
}
