package io.daytona.webhooks;

import io.daytona.webhooks.auth.ApiKeys;
import io.daytona.webhooks.auth.Authenticator;
import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;

/** What the verticles of one service instance share: configuration, database, auth, meters, the delivery provider. */
public record ServiceContext(Vertx vertx, ServiceConfig config, Database database, ApiKeys apiKeys,
                             Authenticator authenticator, MeterRegistry meters,
                             String metricsRegistryName, DeliveryProvider provider) {
}
