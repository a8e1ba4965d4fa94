package io.daytona.webhooks.initialization;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiReply;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** Organization initialization: the Svix application and the preconfigured endpoints of each organization. */
public final class InitializationVerticle extends VerticleBase {

  private final ServiceContext ctx;

  public InitializationVerticle(ServiceContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    return ApiConsumer.register(vertx, "listPreconfiguredEndpoints",
      req -> Future.succeededFuture(ApiReply.ok(PreconfiguredEndpoints.toJson(ctx.config().preconfiguredEndpointBaseUrl))));
  }
}
