package io.daytona.webhooks.messages;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.bus.ApiReply;
import io.daytona.webhooks.bus.ApiRequest;
import io.daytona.webhooks.endpoints.EndpointsVerticle;
import io.daytona.webhooks.provider.Attempt;
import io.daytona.webhooks.provider.AttemptQuery;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.Message;
import io.daytona.webhooks.provider.MessageQuery;
import io.daytona.webhooks.provider.ProviderFailure;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * The messages the provider has and their delivery attempts: the REST operations {@code listMessages},
 * {@code getMessage}, {@code listMessageAttempts} and {@code resendMessage} ({@code webhooks.api.<operationId>},
 * local), each one call of the delivery provider. Provider failures go back with their kind; another
 * organization's message (or endpoint) is not found in this one.
 */
public final class MessagesVerticle extends VerticleBase {

  private final ServiceContext ctx;
  private DeliveryProvider provider;

  public MessagesVerticle(ServiceContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    provider = ctx.provider();
    return Future.all(
      ApiConsumer.register(vertx, "listMessages", this::list),
      ApiConsumer.register(vertx, "getMessage", this::get),
      ApiConsumer.register(vertx, "listMessageAttempts", this::attempts),
      ApiConsumer.register(vertx, "resendMessage", this::resend));
  }

  /** Newest first; {@code eventType}, {@code before} and {@code after} narrow it. */
  private Future<JsonObject> list(ApiRequest req) {
    Instant before;
    Instant after;
    try {
      before = optionalInstant(req, "before");
      after = optionalInstant(req, "after");
    } catch (ApiError bad) {
      return Future.failedFuture(bad);
    }
    MessageQuery query = new MessageQuery(EndpointsVerticle.page(req), (String) req.query("eventType"), before, after);
    return provider.listMessages(req.organizationId(), query).map(p -> ApiReply.ok(p.toJson(Message::toJson)));
  }

  private Future<JsonObject> get(ApiRequest req) {
    String org = req.organizationId();
    String messageId = req.pathParam("messageId");
    return noSuchMessage(provider.getMessage(org, messageId), org, messageId).map(m -> ApiReply.ok(m.toJson()));
  }

  private Future<JsonObject> attempts(ApiRequest req) {
    String org = req.organizationId();
    String messageId = req.pathParam("messageId");
    AttemptQuery query = new AttemptQuery(EndpointsVerticle.page(req), Attempt.Status.fromApi((String) req.query("status")));
    return noSuchMessage(provider.listAttemptsByMessage(org, messageId, query), org, messageId)
      .map(p -> ApiReply.ok(p.toJson(Attempt::toJson)));
  }

  /** One more attempt now ({@code trigger: manual}); 202 without a body. */
  private Future<JsonObject> resend(ApiRequest req) {
    String org = req.organizationId();
    String messageId = req.pathParam("messageId");
    String endpointId = req.pathParam("endpointId");
    return provider.resend(org, messageId, endpointId)
      .recover(err -> ProviderFailure.is(err, ProviderFailure.Kind.NOT_FOUND)
        ? Future.failedFuture(ProviderFailure.notFound("Organization '" + org + "' has no message '" + messageId
          + "' or no endpoint '" + endpointId + "'."))
        : Future.failedFuture(err))
      .map(v -> new JsonObject().put("status", 202));
  }

  private static Instant optionalInstant(ApiRequest req, String name) {
    Object v = req.query(name);
    return v == null ? null : EndpointsVerticle.instant(String.valueOf(v), "/query/" + name);
  }

  private static <T> Future<T> noSuchMessage(Future<T> call, String org, String messageId) {
    return call.recover(err -> ProviderFailure.is(err, ProviderFailure.Kind.NOT_FOUND)
      ? Future.failedFuture(ProviderFailure.notFound("Organization '" + org + "' has no message '" + messageId + "'."))
      : Future.failedFuture(err));
  }
}
