package io.daytona.webhooks;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/** Where a future's callbacks run. */
public final class Contexts {

  private Contexts() {
  }

  /**
   * {@code future}'s outcome, delivered on {@code context} (at once when already on it; {@code future} itself when
   * {@code context} is null). A future completed elsewhere (a worker, a future bound to the context that made it)
   * runs its callbacks there: a verticle whose state belongs to its event loop must get its outcomes back home.
   */
  public static <T> Future<T> on(Context context, Future<T> future) {
    if (context == null) {
      return future;
    }
    Promise<T> promise = Promise.promise();
    future.onComplete(ar -> {
      if (Vertx.currentContext() == context) {
        promise.handle(ar);
      } else {
        context.runOnContext(v -> promise.handle(ar));
      }
    });
    return promise.future();
  }
}
