package io.daytona.webhooks.http;

import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.bus.BusFailures;
import io.daytona.webhooks.provider.ProviderFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The one table that turns a provider failure's kind into an HTTP status (SPEC "Errors"):
 *
 * <table>
 *   <tr><td>INPUT_REJECTED</td><td>400, with {@code errors: [{pointer, message}]} when the field is known</td></tr>
 *   <tr><td>NOT_FOUND</td><td>404</td></tr>
 *   <tr><td>DUPLICATE</td><td>409</td></tr>
 *   <tr><td>IN_PROGRESS</td><td>503 with Retry-After (the same request is still running: try again)</td></tr>
 *   <tr><td>RATE_LIMITED</td><td>503 with Retry-After</td></tr>
 *   <tr><td>UNAVAILABLE, REFUSED</td><td>502 (the provider's detail passed on)</td></tr>
 *   <tr><td>TIMEOUT</td><td>504</td></tr>
 *   <tr><td>NOT_CONFIGURED</td><td>503</td></tr>
 * </table>
 */
public final class FailureStatus {

  private FailureStatus() {
  }

  public static int status(ProviderFailure.Kind kind) {
    return switch (kind) {
      case INPUT_REJECTED -> 400;
      case NOT_FOUND -> 404;
      case DUPLICATE -> 409;
      case IN_PROGRESS, RATE_LIMITED, NOT_CONFIGURED -> 503;
      case UNAVAILABLE, REFUSED -> 502;
      case TIMEOUT -> 504;
    };
  }

  /** The problem a failed request answers with: a provider failure by the table, an ApiError as it is. */
  public static ApiError of(Throwable failure) {
    RuntimeException decoded = BusFailures.decode(failure);
    if (decoded instanceof ProviderFailure f) {
      JsonArray errors = f.kind() == ProviderFailure.Kind.INPUT_REJECTED && f.pointer() != null
        ? new JsonArray().add(new JsonObject().put("pointer", f.pointer()).put("message", f.detail()))
        : null;
      Integer retryAfter = f.kind() == ProviderFailure.Kind.RATE_LIMITED || f.kind() == ProviderFailure.Kind.IN_PROGRESS
        ? (f.retryAfterSeconds() == null ? 1 : f.retryAfterSeconds()) : null;
      return new ApiError(status(f.kind()), f.detail(), retryAfter, errors, f.upstreamStatus());
    }
    return (ApiError) decoded;
  }
}
