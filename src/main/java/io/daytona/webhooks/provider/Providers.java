package io.daytona.webhooks.provider;

import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.events.EventTypes;
import io.daytona.webhooks.provider.svix.SvixProvider;
import io.vertx.core.Vertx;

import java.util.List;

/** Builds the delivery provider {@code DELIVERY_PROVIDER} names. */
public final class Providers {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Providers.class);

  private Providers() {
  }

  /** The platform's event types, registered with a provider at start and after an outage. */
  public static List<EventType> platformTypes() {
    return EventTypes.PLATFORM.entrySet().stream()
      .map(e -> new EventType(e.getKey(), e.getValue(), null, null)).toList();
  }

  /**
   * @param listener told of what a self-delivering provider does (attempts, endpoints it disabled)
   */
  public static DeliveryProvider create(Vertx vertx, ServiceConfig config, Database database, DeliveryListener listener) {
    return switch (config.deliveryProvider) {
      case SVIX -> new SvixProvider(vertx, config.svix, platformTypes());
      case BUILTIN -> {
        // the built-in delivery implements this same port; until it ships, builtin means "not configured"
        LOG.warn("DELIVERY_PROVIDER=builtin: the built-in delivery is not available in this version yet; accepted "
          + "events wait in the outbox. Set SVIX_AUTH_TOKEN (and SVIX_SERVER_URL for a self-hosted Svix) to deliver.");
        yield new SvixProvider(vertx, unconfigured(config.svix), platformTypes());
      }
    };
  }

  private static ServiceConfig.SvixSettings unconfigured(ServiceConfig.SvixSettings s) {
    return new ServiceConfig.SvixSettings(null, s.serverUrl(), s.callDeadline(), s.workerThreads(), s.healthInterval());
  }
}
