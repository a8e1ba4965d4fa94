package io.daytona.webhooks.provider.svix;

import com.svix.exceptions.ApiException;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.provider.ProviderFailure.Kind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.Locale;
import java.util.Map;

/**
 * What the Svix SDK throws, as a {@link ProviderFailure}: one pure function of Svix's status and body
 * ({@link #of(int, String, Integer)}), so that the kind, not an HTTP status, is what every caller decides on.
 *
 * <ul>
 *   <li>400, 413, 414, 415, 422: the caller's own input ({@code INPUT_REJECTED}, Svix's detail kept, the JSON
 *   pointer of the field when Svix's validation {@code loc} names one of ours, e.g. {@code /url})</li>
 *   <li>404 NOT_FOUND; 409 DUPLICATE, except Svix's conflict about an idempotency key whose first request is
 *   still running ({@code IN_PROGRESS}: its detail or code speaks of idempotency or of a request in progress)</li>
 *   <li>429 RATE_LIMITED with Retry-After; 408 TIMEOUT; 5xx UNAVAILABLE</li>
 *   <li>401, 403, 410 and any other 4xx: Svix refused something that is not the caller's input ({@code REFUSED})</li>
 * </ul>
 * Network errors are UNAVAILABLE, a read/connect timeout is TIMEOUT.
 */
public final class SvixFailures {

  static final String NOT_CONFIGURED = "Svix is not configured: set SVIX_AUTH_TOKEN (and SVIX_SERVER_URL for a self-hosted Svix).";

  /** Svix's field names (in a validation error's {@code loc}) → the pointer of the same field in our API. */
  private static final Map<String, String> POINTERS = Map.of(
    "url", "/url", "description", "/description", "filterTypes", "/eventTypes", "uid", "/uid",
    "eventType", "/eventType", "payload", "/payload", "eventId", "/eventId", "key", "/key");

  private SvixFailures() {
  }

  public static ProviderFailure notConfigured() {
    return new ProviderFailure(Kind.NOT_CONFIGURED, NOT_CONFIGURED);
  }

  public static ProviderFailure timeout(long deadlineMs) {
    return new ProviderFailure(Kind.TIMEOUT, "Svix did not answer within " + deadlineMs + " ms.");
  }

  /** Any failure of one SDK call; {@code retryAfter} is the last 429's Retry-After seen on the calling thread. */
  public static ProviderFailure from(Throwable t, Integer retryAfter, long deadlineMs) {
    if (t instanceof ProviderFailure f) {
      return f;
    }
    if (t instanceof ApiException e) {
      return of(e.getCode(), e.getResponseBody(), retryAfter);
    }
    if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException) {
      return timeout(deadlineMs);
    }
    if (t instanceof IOException) {
      return new ProviderFailure(Kind.UNAVAILABLE, "Svix is unreachable: "
        + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()));
    }
    return new ProviderFailure(Kind.UNAVAILABLE, "Svix call failed: " + t.getClass().getSimpleName());
  }

  /** Svix answered {@code status} with {@code body} (and, for a 429, {@code Retry-After} seconds). */
  public static ProviderFailure of(int status, String body, Integer retryAfter) {
    String detail = detail(body);
    return switch (status) {
      case 400, 413, 414, 415, 422 -> new ProviderFailure(Kind.INPUT_REJECTED, "Svix rejected the request: " + detail,
        null, status, pointer(body));
      case 404 -> new ProviderFailure(Kind.NOT_FOUND, "Not found in Svix: " + detail, null, status, null);
      case 409 -> inProgress(body)
        ? new ProviderFailure(Kind.IN_PROGRESS, "Svix is still processing the same request: " + detail, 1, status, null)
        : new ProviderFailure(Kind.DUPLICATE, "Already exists in Svix: " + detail, null, status, null);
      case 429 -> new ProviderFailure(Kind.RATE_LIMITED, "Svix is rate-limiting requests; retry later.",
        retryAfter == null ? 1 : retryAfter, status, null);
      case 408 -> new ProviderFailure(Kind.TIMEOUT, "Svix timed out the request (408).", null, status, null);
      case 401, 403 -> new ProviderFailure(Kind.REFUSED, "Svix refused the request (" + status + "): " + detail
        + (status == 401 ? " (check SVIX_AUTH_TOKEN)" : ""), null, status, null);
      default -> status >= 500
        ? new ProviderFailure(Kind.UNAVAILABLE, "Svix answered " + status + ": " + detail, null, status, null)
        : new ProviderFailure(Kind.REFUSED, "Svix refused the request (" + status + "): " + detail, null, status, null);
    };
  }

  /** Svix's conflict about an idempotency key still being processed (not an existing eventId or uid). */
  static boolean inProgress(String body) {
    String code = "";
    String detail = "";
    try {
      JsonObject json = new JsonObject(body);
      code = String.valueOf(json.getValue("code", ""));
      detail = String.valueOf(json.getValue("detail", ""));
    } catch (RuntimeException notJson) {
      detail = body == null ? "" : body;
    }
    String text = (code + " " + detail).toLowerCase(Locale.ROOT);
    return text.contains("idempoten") || text.contains("in progress") || text.contains("in_progress");
  }

  /** The pointer of the first field of ours a Svix validation error names ({@code loc: ["body", "url"]}). */
  static String pointer(String body) {
    try {
      Object detail = new JsonObject(body).getValue("detail");
      if (detail instanceof JsonArray list) {
        for (Object item : list) {
          if (item instanceof JsonObject o && o.getJsonArray("loc") != null) {
            for (Object part : o.getJsonArray("loc")) {
              String p = POINTERS.get(String.valueOf(part));
              if (p != null) {
                return p;
              }
            }
          }
        }
      }
    } catch (RuntimeException notJson) {
      // no pointer
    }
    return null;
  }

  /** Svix's own {@code detail}: a string, or a list of validation errors {@code [{loc, msg}]}. */
  static String detail(String body) {
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
