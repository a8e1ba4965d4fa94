package io.daytona.webhooks.realtime;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.ApiConsumer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real-time updates: receives Svix operational webhooks and publishes them to the organization's
 * address and the admin address; also forgets old {@code svix-id}s. The SockJS bridge and the
 * dashboard live in {@link RealtimeRoutes}, mounted by the HTTP verticle.
 */
public final class RealtimeVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RealtimeVerticle.class);
  private static final long CLEANUP_INTERVAL_MS = 10 * 60_000;

  private final ServiceContext ctx;

  public RealtimeVerticle(ServiceContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    OperationalWebhookReceiver receiver = new OperationalWebhookReceiver(ctx);
    vertx.setPeriodic(CLEANUP_INTERVAL_MS, id -> receiver.forgetOld()
      .onFailure(err -> LOG.debug("Cleanup of operational_webhooks_seen failed: {}", err.getMessage())));
    return ApiConsumer.register(vertx, OperationalWebhookReceiver.OPERATION, receiver::handle);
  }
}
