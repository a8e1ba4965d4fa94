package io.daytona.webhooks.provider;

import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.events.EventCatalog;
import io.daytona.webhooks.provider.builtin.BuiltinProvider;
import io.daytona.webhooks.provider.svix.SvixProvider;
import io.vertx.core.Vertx;

import java.util.List;

/** Builds the delivery provider {@code DELIVERY_PROVIDER} names. */
public final class Providers {


  private Providers() {
  }

  /** The platform's event types with their schemas and examples, registered with a provider at start and after an outage. */
  public static List<EventType> platformTypes() {
    return EventCatalog.platform();
  }

  /**
   * @param meters   where a provider's own meters go (the built-in delivery's attempts)
   * @param listener told of what a self-delivering provider does (attempts, endpoints it disabled)
   */
  public static DeliveryProvider create(Vertx vertx, ServiceConfig config, Database database,
                                        io.micrometer.core.instrument.MeterRegistry meters, DeliveryListener listener) {
    return switch (config.deliveryProvider) {
      case SVIX -> new SvixProvider(vertx, config.svix, platformTypes());
      case BUILTIN -> new BuiltinProvider(database.pool(), config.builtin, config.outbox.pollInterval(), meters, listener);
    };
  }
}
