package io.daytona.webhooks.bus;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/** Registers the node-local consumer of one REST operation ({@code webhooks.api.<operationId>}). */
public final class ApiConsumer {

  private ApiConsumer() {
  }

  /** {@code handler} answers with an {@link ApiReply} or fails with an {@link ApiError}. */
  public static Future<Void> register(Vertx vertx, String operationId,
                                      Function<ApiRequest, Future<JsonObject>> handler) {
    return BusConsumer.register(vertx, Addresses.api(operationId), body -> handler.apply(new ApiRequest(body)));
  }
}
