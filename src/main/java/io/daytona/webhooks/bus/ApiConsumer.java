package io.daytona.webhooks.bus;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/** Registers the node-local consumer of one REST operation. */
public final class ApiConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(ApiConsumer.class);

  private ApiConsumer() {
  }

  /**
   * {@code handler} answers with an {@link ApiReply} or fails with an {@link ApiError}; any other
   * failure is logged here and answered as a 500 without details.
   */
  public static Future<Void> register(Vertx vertx, String operationId,
                                      Function<ApiRequest, Future<JsonObject>> handler) {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(Addresses.api(operationId), msg -> {
      Future<JsonObject> reply;
      try {
        reply = handler.apply(new ApiRequest(msg.body()));
      } catch (RuntimeException e) {
        reply = Future.failedFuture(e);
      }
      reply.onSuccess(msg::reply).onFailure(err -> {
        if (!(err instanceof ApiError)) {
          LOG.error("Operation {} failed", operationId, err);
        }
        ApiError.from(err).replyTo(msg);
      });
    });
    return consumer.completion();
  }
}
