package io.daytona.webhooks.events;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiReply;
import io.daytona.webhooks.bus.ApiRequest;
import io.daytona.webhooks.provider.EventType;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET /event-types} ({@code listEventTypes}): the eleven platform types of {@link EventCatalog} with their
 * schemas and examples, then the custom types in use ({@link CustomEventTypes}), which have neither.
 */
public final class EventCatalogVerticle extends VerticleBase {

  private final ServiceContext ctx;
  private CustomEventTypes custom;

  public EventCatalogVerticle(ServiceContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    custom = new CustomEventTypes(ctx.database(), ctx.config().limits.maxCustomEventTypes());
    return ApiConsumer.register(vertx, "listEventTypes", this::list);
  }

  private Future<JsonObject> list(ApiRequest req) {
    return custom.list().map(names -> {
      JsonArray out = new JsonArray();
      EventCatalog.platform().forEach(t -> out.add(EventCatalog.toJson(t)));
      names.forEach(n -> out.add(EventCatalog.toJson(EventType.custom(n))));
      return ApiReply.ok(out);
    });
  }
}
