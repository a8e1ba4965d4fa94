package io.daytona.webhooks.svix;

import com.svix.exceptions.ApiException;
import io.daytona.webhooks.bus.ApiError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;

/** Maps what the Svix SDK throws to the service's errors (HTTP status of the API, upstream status kept). */
final class SvixErrors {

  static final String NOT_CONFIGURED = "Svix is not configured: set SVIX_AUTH_TOKEN (and SVIX_SERVER_URL for a self-hosted Svix).";

  private SvixErrors() {
  }

  static ApiError notConfigured() {
    return new ApiError(503, NOT_CONFIGURED);
  }

  static ApiError timeout(long millis) {
    return new ApiError(504, "Svix did not answer within " + millis + " ms.");
  }

  /** Runs on the worker thread that made the call (the 429 Retry-After is thread-local). */
  static ApiError map(Throwable t, long deadlineMillis) {
    if (t instanceof ApiError e) {
      return e;
    }
    if (t instanceof ApiException e) {
      int code = e.getCode();
      String detail = detail(e);
      return switch (code) {
        case 404 -> new ApiError(404, "Not found in Svix: " + detail, null, null, code);
        case 409 -> new ApiError(409, "Already exists in Svix: " + detail, null, null, code);
        case 400, 422 -> new ApiError(400, "Svix rejected the request: " + detail, null, null, code);
        case 429 -> {
          Integer after = SvixClientFactory.LAST_RETRY_AFTER.get();
          yield new ApiError(503, "Svix is rate-limiting requests; retry later.", after == null ? 1 : after, null, code);
        }
        case 401, 403 -> new ApiError(502, "Svix refused the configured SVIX_AUTH_TOKEN (" + code + ").", null, null, code);
        default -> new ApiError(502, "Svix answered " + code + ": " + detail, null, null, code);
      };
    }
    if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException) {
      return timeout(deadlineMillis);
    }
    if (t instanceof IOException) {
      return new ApiError(502, "Svix is unreachable: " + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()));
    }
    return new ApiError(502, "Svix call failed: " + t.getClass().getSimpleName());
  }

  /** Svix's own {@code detail}: a string, or a list of validation errors {@code [{loc, msg}]}. */
  private static String detail(ApiException e) {
    String body = e.getResponseBody();
    if (body == null || body.isBlank()) {
      return "(no detail)";
    }
    try {
      Object detail = new JsonObject(body).getValue("detail");
      if (detail instanceof JsonArray list) {
        StringBuilder sb = new StringBuilder();
        for (Object item : list) {
          if (item instanceof JsonObject o) {
            if (sb.length() > 0) {
              sb.append("; ");
            }
            JsonArray loc = o.getJsonArray("loc");
            sb.append(loc == null ? "" : loc.encode() + " ").append(o.getString("msg", ""));
          }
        }
        return sb.toString();
      }
      return detail == null ? body : String.valueOf(detail);
    } catch (RuntimeException notJson) {
      return body.length() > 300 ? body.substring(0, 300) : body;
    }
  }
}
