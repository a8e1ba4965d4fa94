package io.daytona.webhooks.endpoints;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiReply;
import io.daytona.webhooks.bus.ApiRequest;
import io.daytona.webhooks.initialization.Organizations;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.Endpoint;
import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.provider.PageRequest;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.realtime.RealtimeEvents;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Endpoint management, the REST operations {@code createEndpoint}, {@code listEndpoints} and {@code deleteEndpoint}
 * ({@code webhooks.api.<operationId>}, local): calls the delivery provider directly and announces each change
 * ({@code endpoint.created} / {@code endpoint.deleted}) as this service's own ({@link RealtimeEvents}). Provider
 * failures go back to the HTTP verticle with their kind, which alone picks the status.
 */
public final class EndpointsVerticle extends VerticleBase {

  private final ServiceContext ctx;
  private DeliveryProvider provider;

  public EndpointsVerticle(ServiceContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    provider = ctx.provider();
    return Future.all(
      ApiConsumer.register(vertx, "createEndpoint", this::create),
      ApiConsumer.register(vertx, "listEndpoints", this::list),
      ApiConsumer.register(vertx, "deleteEndpoint", this::delete));
  }

  /** Records the organization as seen, creates the endpoint (its application on the way), announces it. */
  private Future<JsonObject> create(ApiRequest req) {
    JsonObject body = req.body();
    String org = req.organizationId();
    if (!provider.configured()) {
      // fails NOT_CONFIGURED before anything is recorded
      return provider.createEndpoint(org, null, EndpointSpec.of(body.getString("url"), null, List.of())).map(ApiReply::created);
    }
    EndpointSpec spec = EndpointSpec.of(body.getString("url"), body.getString("description"),
      strings(body.getJsonArray("eventTypes")));
    return Organizations.markSeen(ctx.database().pool(), org, null)
      .compose(v -> provider.createEndpoint(org, null, spec))
      .map(Endpoint::toJson)
      .compose(ep -> RealtimeEvents.publishOwnEndpointChange(vertx, RealtimeEvents.ENDPOINT_CREATED, org, ep).map(ep))
      .map(ApiReply::created);
  }

  private Future<JsonObject> list(ApiRequest req) {
    Object limit = req.query("limit");
    PageRequest page = new PageRequest(limit == null ? PageRequest.DEFAULT_LIMIT : ((Number) limit).intValue(),
      (String) req.query("iterator"));
    return provider.listEndpoints(req.organizationId(), page).map(p -> ApiReply.ok(p.toJson(Endpoint::toJson)));
  }

  private Future<JsonObject> delete(ApiRequest req) {
    String org = req.organizationId();
    String endpointId = req.pathParam("endpointId");
    return provider.deleteEndpoint(org, endpointId)
      .recover(err -> ProviderFailure.is(err, ProviderFailure.Kind.NOT_FOUND)
        ? Future.failedFuture(ProviderFailure.notFound("Organization '" + org + "' has no endpoint '" + endpointId + "'."))
        : Future.failedFuture(err))
      .onSuccess(v -> RealtimeEvents.publishOwnEndpointChange(vertx, RealtimeEvents.ENDPOINT_DELETED, org,
        new JsonObject().put("id", endpointId)))
      .map(v -> ApiReply.noContent());
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(o -> out.add(String.valueOf(o)));
    }
    return out;
  }
}
