package io.daytona.webhooks.bus;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/**
 * Registers a node-local request/reply consumer whose handler returns a Future: the result is the
 * reply, an {@link ApiError} the failure (code = HTTP status), a provider failure crosses with its kind
 * ({@link BusFailures}); anything else is logged and answered as a 500 without details.
 */
public final class BusConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(BusConsumer.class);

  private BusConsumer() {
  }

  public static Future<Void> register(Vertx vertx, String address, Function<JsonObject, Future<?>> handler) {
    return vertx.eventBus().<JsonObject>localConsumer(address, msg -> {
      Future<?> reply;
      try {
        reply = handler.apply(msg.body());
      } catch (RuntimeException e) {
        reply = Future.failedFuture(e);
      }
      reply.onSuccess(msg::reply).onFailure(err -> {
        if (!(err instanceof ApiError) && !(err instanceof io.daytona.webhooks.provider.ProviderFailure)) {
          LOG.error("Handler of {} failed", address, err);
        }
        BusFailures.replyTo(msg, err);
      });
    }).completion();
  }
}
