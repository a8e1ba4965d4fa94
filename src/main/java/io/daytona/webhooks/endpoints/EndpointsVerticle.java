package io.daytona.webhooks.endpoints;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.bus.ApiReply;
import io.daytona.webhooks.bus.ApiRequest;
import io.daytona.webhooks.events.CustomEventTypes;
import io.daytona.webhooks.events.EventCatalog;
import io.daytona.webhooks.initialization.Organizations;
import io.daytona.webhooks.provider.Attempt;
import io.daytona.webhooks.provider.AttemptQuery;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.Endpoint;
import io.daytona.webhooks.provider.EndpointPatch;
import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.provider.EventType;
import io.daytona.webhooks.provider.PageRequest;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.realtime.RealtimeEvents;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Endpoint management, the REST operations {@code createEndpoint}, {@code listEndpoints}, {@code getEndpoint},
 * {@code patchEndpoint}, {@code deleteEndpoint}, {@code getEndpointSecret}, {@code rotateEndpointSecret},
 * {@code sendTestEvent}, {@code recoverEndpoint} and {@code listEndpointAttempts} ({@code webhooks.api.<operationId>},
 * local): calls the delivery provider directly and announces each change ({@code endpoint.created} /
 * {@code endpoint.updated} / {@code endpoint.deleted}) as this service's own ({@link RealtimeEvents}). Provider
 * failures go back to the HTTP verticle with their kind, which alone picks the status; another organization's
 * endpoint is not found in this one (the provider scopes endpoints by organization).
 */
public final class EndpointsVerticle extends VerticleBase {

  /** How far back {@code recover} may reach (Svix's own limit). */
  static final Duration RECOVER_WINDOW = Duration.ofDays(14);
  /** The event type of a test event when neither the request nor the endpoint names a platform type. */
  static final String DEFAULT_TEST_TYPE = "sandbox.created";

  private final ServiceContext ctx;
  private DeliveryProvider provider;
  private CustomEventTypes customTypes;

  public EndpointsVerticle(ServiceContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    provider = ctx.provider();
    customTypes = new CustomEventTypes(ctx.database(), ctx.config().limits.maxCustomEventTypes());
    return Future.all(List.of(
      ApiConsumer.register(vertx, "createEndpoint", this::create),
      ApiConsumer.register(vertx, "listEndpoints", this::list),
      ApiConsumer.register(vertx, "getEndpoint", this::get),
      ApiConsumer.register(vertx, "patchEndpoint", this::patch),
      ApiConsumer.register(vertx, "deleteEndpoint", this::delete),
      ApiConsumer.register(vertx, "getEndpointSecret", this::secret),
      ApiConsumer.register(vertx, "rotateEndpointSecret", this::rotate),
      ApiConsumer.register(vertx, "sendTestEvent", this::test),
      ApiConsumer.register(vertx, "recoverEndpoint", this::recover),
      ApiConsumer.register(vertx, "listEndpointAttempts", this::attempts)));
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
    return customTypes.admit(spec.eventTypes(), "/eventTypes")
      .compose(v -> Organizations.markSeen(ctx.database().pool(), org, null))
      .compose(v -> provider.createEndpoint(org, null, spec))
      .map(Endpoint::toJson)
      .compose(ep -> RealtimeEvents.publishOwnEndpointChange(vertx, RealtimeEvents.ENDPOINT_CREATED, org, ep).map(ep))
      .map(ApiReply::created);
  }

  private Future<JsonObject> list(ApiRequest req) {
    return provider.listEndpoints(req.organizationId(), page(req)).map(p -> ApiReply.ok(p.toJson(Endpoint::toJson)));
  }

  private Future<JsonObject> get(ApiRequest req) {
    String org = req.organizationId();
    String endpointId = req.pathParam("endpointId");
    return notFoundSaysWhich(provider.getEndpoint(org, endpointId), org, endpointId).map(ep -> ApiReply.ok(ep.toJson()));
  }

  /** Only the fields given change ({@code eventTypes} null or empty: every type); announced as endpoint.updated. */
  private Future<JsonObject> patch(ApiRequest req) {
    String org = req.organizationId();
    String endpointId = req.pathParam("endpointId");
    JsonObject body = req.body() == null ? new JsonObject() : req.body();
    boolean typesGiven = body.containsKey("eventTypes");
    List<String> types = strings(body.getJsonArray("eventTypes"));
    EndpointPatch patch = new EndpointPatch(body.getString("url"), body.getString("description"), typesGiven, types,
      body.getBoolean("disabled"));
    return customTypes.admit(types, "/eventTypes")
      .compose(v -> RealtimeEvents.ownEndpointChange(vertx, RealtimeEvents.ENDPOINT_UPDATED, org, endpointId,
        () -> notFoundSaysWhich(provider.patchEndpoint(org, endpointId, patch), org, endpointId), Endpoint::toJson))
      .map(ep -> ApiReply.ok(ep.toJson()));
  }

  private Future<JsonObject> secret(ApiRequest req) {
    String org = req.organizationId();
    String endpointId = req.pathParam("endpointId");
    return notFoundSaysWhich(provider.endpointSecret(org, endpointId), org, endpointId)
      .map(key -> ApiReply.ok(new JsonObject().put("key", key)));
  }

  /**
   * A new secret (given: {@code whsec_} + base64 of 24-64 bytes; else generated by the provider). Announced as
   * endpoint.updated without a note: the provider reports no endpoint change for a rotation.
   */
  private Future<JsonObject> rotate(ApiRequest req) {
    String org = req.organizationId();
    String endpointId = req.pathParam("endpointId");
    String key = req.body() == null ? null : req.body().getString("key");
    if (key != null) {
      ApiError bad = checkSecret(key);
      if (bad != null) {
        return Future.failedFuture(bad);
      }
    }
    return notFoundSaysWhich(provider.rotateEndpointSecret(org, endpointId, key), org, endpointId)
      .onSuccess(v -> RealtimeEvents.publish(vertx, RealtimeEvents.ENDPOINT_UPDATED, org,
        new JsonObject().put("id", endpointId).put("secretRotated", true)))
      .map(v -> ApiReply.noContent());
  }

  /** The secret rule of SPEC: {@code whsec_} followed by the base64 of 24 to 64 bytes; null when it holds. */
  static ApiError checkSecret(String key) {
    String rule = "key must be whsec_ followed by the base64 of 24 to 64 bytes";
    if (!key.startsWith("whsec_")) {
      return ApiError.badRequest("/key", rule);
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(key.substring("whsec_".length()));
    } catch (IllegalArgumentException notBase64) {
      return ApiError.badRequest("/key", rule + " (not base64)");
    }
    if (bytes.length < 24 || bytes.length > 64) {
      return ApiError.badRequest("/key", rule + " (it holds " + bytes.length + " bytes)");
    }
    return null;
  }

  /**
   * The example payload of {@code eventType} (default: the endpoint's first platform type by name, else
   * {@value #DEFAULT_TEST_TYPE}), sent to this endpoint only. Custom types have no example (400).
   */
  private Future<JsonObject> test(ApiRequest req) {
    String org = req.organizationId();
    String endpointId = req.pathParam("endpointId");
    String given = req.body() == null ? null : req.body().getString("eventType");
    Future<EventType> type;
    if (given != null) {
      type = EventCatalog.platformType(given)
        .map(Future::succeededFuture)
        .orElseGet(() -> Future.failedFuture(ApiError.badRequest("/eventType", "eventType '" + given
          + "' has no example payload: only the platform event types have one (see GET /event-types)")));
    } else {
      type = notFoundSaysWhich(provider.getEndpoint(org, endpointId), org, endpointId)
        .map(ep -> ep.eventTypes().stream().sorted().map(EventCatalog::platformType)
          .flatMap(java.util.Optional::stream).findFirst()
          .orElseGet(() -> EventCatalog.platformType(DEFAULT_TEST_TYPE).orElseThrow()));
    }
    return type.compose(t -> notFoundSaysWhich(provider.sendExample(org, endpointId, t), org, endpointId)
      .map(m -> ApiReply.accepted(new JsonObject().put("messageId", m.id()).put("eventType", t.name()))));
  }

  /** Every message whose delivery to this endpoint failed in [since, until) is attempted again. */
  private Future<JsonObject> recover(ApiRequest req) {
    String org = req.organizationId();
    String endpointId = req.pathParam("endpointId");
    JsonObject body = req.body();
    Instant now = Instant.now();
    Instant since;
    Instant until;
    try {
      since = instant(body.getString("since"), "/since");
      until = body.getString("until") == null ? null : instant(body.getString("until"), "/until");
    } catch (ApiError bad) {
      return Future.failedFuture(bad);
    }
    if (since.isBefore(now.minus(RECOVER_WINDOW))) {
      return Future.failedFuture(ApiError.badRequest("/since", "since may be at most 14 days back"));
    }
    if (since.isAfter(now)) {
      return Future.failedFuture(ApiError.badRequest("/since", "since lies in the future"));
    }
    if (until != null && until.isBefore(since)) {
      return Future.failedFuture(ApiError.badRequest("/until", "until may not precede since"));
    }
    return notFoundSaysWhich(provider.recover(org, endpointId, since, until), org, endpointId)
      .map(v -> ApiReply.accepted(new JsonObject().put("since", since.toString())
        .put("until", (until == null ? now : until).toString())));
  }

  private Future<JsonObject> attempts(ApiRequest req) {
    String org = req.organizationId();
    String endpointId = req.pathParam("endpointId");
    AttemptQuery query = new AttemptQuery(page(req), Attempt.Status.fromApi((String) req.query("status")));
    return notFoundSaysWhich(provider.listAttemptsByEndpoint(org, endpointId, query), org, endpointId)
      .map(p -> ApiReply.ok(p.toJson(Attempt::toJson)));
  }

  /** {@code limit} (default {@value PageRequest#DEFAULT_LIMIT}) and {@code iterator} of a listing. */
  public static PageRequest page(ApiRequest req) {
    Object limit = req.query("limit");
    return new PageRequest(limit == null ? PageRequest.DEFAULT_LIMIT : ((Number) limit).intValue(),
      (String) req.query("iterator"));
  }

  /** An ISO-8601 instant with an offset; else a 400 naming {@code pointer}. */
  public static Instant instant(String text, String pointer) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (RuntimeException e) {
      throw ApiError.badRequest(pointer, pointer.substring(1) + " must be an ISO-8601 date-time with an offset, e.g. "
        + "2025-01-01T00:00:00Z");
    }
  }

  /** NOT_FOUND with a detail naming the organization and the endpoint (another organization's endpoint included). */
  private static <T> Future<T> notFoundSaysWhich(Future<T> call, String org, String endpointId) {
    return call.recover(err -> ProviderFailure.is(err, ProviderFailure.Kind.NOT_FOUND)
      ? Future.failedFuture(ProviderFailure.notFound("Organization '" + org + "' has no endpoint '" + endpointId + "'."))
      : Future.failedFuture(err));
  }

  private Future<JsonObject> delete(ApiRequest req) {
    String org = req.organizationId();
    String endpointId = req.pathParam("endpointId");
    return RealtimeEvents.ownEndpointChange(vertx, RealtimeEvents.ENDPOINT_DELETED, org, endpointId,
        () -> notFoundSaysWhich(provider.deleteEndpoint(org, endpointId), org, endpointId),
        v -> new JsonObject().put("id", endpointId))
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
