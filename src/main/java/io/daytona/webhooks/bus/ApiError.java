package io.daytona.webhooks.bus;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A failure that crosses the event bus and becomes a problem+json response: the failure code is
 * the HTTP status, the message a small JSON object {@code {detail, retryAfter?, errors?}}.
 */
public final class ApiError extends RuntimeException {

  private final int status;
  private final Integer retryAfterSeconds;
  private final JsonArray errors;
  private final Integer upstreamStatus;

  public ApiError(int status, String detail) {
    this(status, detail, null, null);
  }

  public ApiError(int status, String detail, Integer retryAfterSeconds, JsonArray errors) {
    this(status, detail, retryAfterSeconds, errors, null);
  }

  /** @param upstreamStatus the HTTP status Svix answered with, when the failure came from Svix */
  public ApiError(int status, String detail, Integer retryAfterSeconds, JsonArray errors, Integer upstreamStatus) {
    super(detail, null, false, false);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
    this.errors = errors;
    this.upstreamStatus = upstreamStatus;
  }

  /** The status Svix answered with (null when Svix did not answer, or the failure is not Svix's). */
  public Integer upstreamStatus() {
    return upstreamStatus;
  }

  public static ApiError badRequest(String pointer, String message) {
    return new ApiError(400, message, null,
      new JsonArray().add(new JsonObject().put("pointer", pointer).put("message", message)));
  }

  public static ApiError notFound(String detail) {
    return new ApiError(404, detail);
  }

  public int status() {
    return status;
  }

  public String detail() {
    return getMessage();
  }

  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public JsonArray errors() {
    return errors;
  }

  /** Answers {@code message} with this failure. */
  public void replyTo(Message<?> message) {
    message.fail(status, encode());
  }

  public String encode() {
    JsonObject json = new JsonObject().put("detail", getMessage());
    if (retryAfterSeconds != null) {
      json.put("retryAfter", retryAfterSeconds);
    }
    if (errors != null) {
      json.put("errors", errors);
    }
    if (upstreamStatus != null) {
      json.put("upstreamStatus", upstreamStatus);
    }
    return json.encode();
  }

  /** The ApiError a failed request carries; anything unexpected becomes a 500 without details. */
  public static ApiError from(Throwable failure) {
    if (failure instanceof ApiError e) {
      return e;
    }
    if (failure instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() >= 400 && re.failureCode() < 600) {
        try {
          JsonObject json = new JsonObject(re.getMessage());
          return new ApiError(re.failureCode(), json.getString("detail"), json.getInteger("retryAfter"),
            json.getJsonArray("errors"), json.getInteger("upstreamStatus"));
        } catch (RuntimeException notJson) {
          return new ApiError(re.failureCode(), re.getMessage());
        }
      }
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return new ApiError(504, "The operation did not complete in time.");
      }
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return new ApiError(501, "This operation is not available in this version of the service.");
      }
    }
    return new ApiError(500, "Internal error.");
  }
}
