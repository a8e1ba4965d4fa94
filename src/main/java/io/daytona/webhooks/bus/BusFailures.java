package io.daytona.webhooks.bus;

import io.daytona.webhooks.provider.ProviderFailure;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * How a failure crosses the local event bus from a concern's verticle to the HTTP verticle with nothing lost: a
 * {@link ProviderFailure} as failure code {@value #PROVIDER_FAILURE_CODE} and
 * {@code {providerFailure: {kind, detail, retryAfter?, upstreamStatus?, pointer?}}} (its kind intact: only the
 * {@code http} package turns a kind into a status), an {@link ApiError} as its HTTP status and
 * {@code {detail, retryAfter?, errors?}}.
 */
public final class BusFailures {

  /** The failure code of a provider failure (never an HTTP status). */
  public static final int PROVIDER_FAILURE_CODE = 0;

  private BusFailures() {
  }

  /** Answers {@code message} with {@code failure}: a provider failure keeps its kind, anything else is an ApiError. */
  public static void replyTo(Message<?> message, Throwable failure) {
    if (failure instanceof ProviderFailure f) {
      JsonObject json = new JsonObject().put("kind", f.kind().name()).put("detail", f.detail());
      if (f.retryAfterSeconds() != null) {
        json.put("retryAfter", f.retryAfterSeconds());
      }
      if (f.upstreamStatus() != null) {
        json.put("upstreamStatus", f.upstreamStatus());
      }
      if (f.pointer() != null) {
        json.put("pointer", f.pointer());
      }
      message.fail(PROVIDER_FAILURE_CODE, new JsonObject().put("providerFailure", json).encode());
      return;
    }
    ApiError.from(failure).replyTo(message);
  }

  /** What a failed request carried: the ProviderFailure (kind intact) or an ApiError ({@link ApiError#from}). */
  public static RuntimeException decode(Throwable failure) {
    if (failure instanceof ProviderFailure f) {
      return f;
    }
    if (failure instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
      && re.failureCode() == PROVIDER_FAILURE_CODE) {
      try {
        JsonObject json = new JsonObject(re.getMessage()).getJsonObject("providerFailure");
        if (json != null) {
          return new ProviderFailure(ProviderFailure.Kind.valueOf(json.getString("kind")), json.getString("detail"),
            json.getInteger("retryAfter"), json.getInteger("upstreamStatus"), json.getString("pointer"));
        }
      } catch (RuntimeException notOurs) {
        // falls through to ApiError.from
      }
    }
    return ApiError.from(failure);
  }
}
