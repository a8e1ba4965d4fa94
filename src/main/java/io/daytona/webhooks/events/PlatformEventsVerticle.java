package io.daytona.webhooks.events;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.bus.ApiReply;
import io.daytona.webhooks.bus.ApiRequest;
import io.daytona.webhooks.delivery.OutboxMetrics;
import io.daytona.webhooks.delivery.OutboxRepository;
import io.daytona.webhooks.delivery.OutboxRepository.NewEvent;
import io.daytona.webhooks.delivery.OutboxWriter;
import io.daytona.webhooks.events.PlatformEvent.BadEvent;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Accepts events into the outbox: the platform events arriving on the clustered bus (send,
 * publish or request, from any node) and the custom webhooks of {@code POST …/send}. An event is
 * acknowledged only once committed; a platform message that cannot be accepted is kept in
 * {@code dead_letters} with the reason (and the requester gets a 400 failure naming the field, 413 for a
 * body over {@code MAX_PAYLOAD_BYTES}).
 */
public final class PlatformEventsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PlatformEventsVerticle.class);
  /** Dead-lettered bodies are kept up to this size. */

  private final ServiceContext ctx;
  private final OutboxRepository repository;
  private final OutboxMetrics metrics;
  private final CustomEventTypes customTypes;
  private OutboxWriter writer;
  private SendRateLimiter sendLimiter;

  public PlatformEventsVerticle(ServiceContext ctx) {
    this.ctx = ctx;
    this.repository = new OutboxRepository(ctx.database());
    this.metrics = new OutboxMetrics(ctx.meters());
    this.customTypes = new CustomEventTypes(ctx.database(), ctx.config().limits.maxCustomEventTypes());
  }

  @Override
  public Future<?> start() {
    writer = new OutboxWriter(vertx, repository, ctx.meters(), ctx.config().limits.intakeQueue(),
      ctx.config().limits.intakeQueueBytes());
    sendLimiter = new SendRateLimiter(ctx.config().limits.sendRateLimit());
    List<Future<?>> registrations = new ArrayList<>();
    for (String address : Addresses.PLATFORM_EVENTS) {
      // clustered consumer: send, publish and request from any node reach it
      registrations.add(vertx.eventBus().consumer(address, (Message<Object> msg) -> accept(address, msg)).completion());
    }
    registrations.add(ApiConsumer.register(vertx, "sendWebhook", this::sendWebhook));
    return Future.all(registrations);
  }

  // ---------------------------------------------------------------- platform events

  private void accept(String address, Message<Object> msg) {
    PlatformEvent event;
    try {
      event = PlatformEvent.parse(address, msg.headers(), msg.body(), ctx.config().limits.maxPayloadBytes());
    } catch (BadEvent bad) {
      deadLetter(address, msg.headers(), msg.body(), bad.getMessage())
        .onComplete(ar -> msg.fail(bad.status(), bad.getMessage()));
      return;
    } catch (RuntimeException unexpected) {
      LOG.error("Checking a {} message failed", address, unexpected);
      deadLetter(address, msg.headers(), msg.body(), "body: cannot be read (" + unexpected.getClass().getSimpleName() + ")")
        .onComplete(ar -> msg.fail(400, "body: cannot be read"));
      return;
    }
    writer.write(new NewEvent(event.organizationId(), address, event.eventId(), event.payload().encode(), "platform"))
      .onSuccess(inserted -> msg.reply(new JsonObject().put("eventId", event.eventId()).put("status", "queued")
        .put("duplicate", !inserted)))
      .onFailure(err -> {
        if (err instanceof OutboxWriter.IntakeFull) {
          LOG.warn("Event {} of organization {} ({}) refused: {}", event.eventId(), event.organizationId(), address,
            err.getMessage());
          msg.fail(503, "the service cannot take more events right now (intake queue full), send it again later");
          return;
        }
        LOG.error("Event {} of organization {} ({}) could not be stored; the sender was told: {}", event.eventId(),
          event.organizationId(), address, err.getMessage());
        msg.fail(503, "the event could not be stored, send it again");
      });
  }

  /** Keeps the raw message with the reason ({@link DeadLetters}); never fails. */
  private Future<Void> deadLetter(String address, MultiMap headers, Object body, String reason) {
    metrics.deadLettered(address);
    return DeadLetters.keep(ctx.database().pool(), address, headers, body, reason);
  }


  // ---------------------------------------------------------------- custom webhooks

  /** {@code POST /organizations/{organizationId}/send}, body already validated by the contract. */
  private Future<JsonObject> sendWebhook(ApiRequest req) {
    String org = req.organizationId();
    JsonObject body = req.body();
    String eventType = body.getString("eventType");
    if (!req.admin() && (EventTypes.PLATFORM.containsKey(eventType) || Addresses.ORGANIZATION_CREATED.equals(eventType))) {
      return Future.failedFuture(new ApiError(403, "'" + eventType + "' is a platform event type: only an admin may "
        + "send it (an organization may send its own custom types)."));
    }
    String given = body.getString("eventId");
    String eventId = given != null ? given : "evt_" + UUID.randomUUID().toString().replace("-", "");
    if (!PlatformEvent.EVENT_ID.matcher(eventId).matches()) {
      return Future.failedFuture(ApiError.badRequest("/eventId", "must be 1-256 characters of a-z A-Z 0-9 . _ -"));
    }
    String payload = body.getJsonObject("payload").encode();
    int maxBytes = ctx.config().limits.maxPayloadBytes();
    if (payload.length() > maxBytes || payload.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      String detail = "payload: larger than MAX_PAYLOAD_BYTES (" + maxBytes + " bytes as JSON)";
      return Future.failedFuture(new ApiError(413, detail, null, new JsonArray()
        .add(new JsonObject().put("pointer", "/payload").put("message", detail))));
    }
    long retryAfter = sendLimiter.tryAcquire(org);
    if (retryAfter > 0) {
      return Future.failedFuture(new ApiError(429, "Organization '" + org + "' sends more than SEND_RATE_LIMIT ("
        + ctx.config().limits.sendRateLimit() + " events per second); nothing was accepted, send again later.",
        (int) retryAfter, null));
    }
    // the catalog lists the custom types in use (recorded once per node), at most MAX_CUSTOM_EVENT_TYPES of them
    return customTypes.admit(List.of(eventType), "/eventType")
      .compose(v -> writer.write(new NewEvent(org, eventType, eventId, payload, "api"))
        .recover(err -> Future.failedFuture(err instanceof OutboxWriter.IntakeFull
          ? new ApiError(503, "The service cannot take more events right now (its intake queue is full); nothing "
            + "was accepted, send again later.", 1, null)
          : new ApiError(503, "The event could not be stored; send it again."))))
      .compose(inserted -> inserted
        ? Future.succeededFuture(accepted(eventId, eventType, org, "queued", false))
        : repository.find(org, eventId).map(row -> row == null
          ? accepted(eventId, eventType, org, "sent", true) // already pruned after it was sent
          : accepted(eventId, row.getString("event_type"), org, status(row.getString("state")), true)));
  }

  private static JsonObject accepted(String eventId, String eventType, String org, String status, boolean duplicate) {
    return ApiReply.accepted(new JsonObject().put("eventId", eventId).put("eventType", eventType)
      .put("organizationId", org).put("status", status).put("duplicate", duplicate));
  }

  /** The outbox's state of a row ({@code queued}, {@code sent}, {@code rejected}) as /send names it. */
  private static String status(String state) {
    return "rejected".equals(state) ? "failed" : state;
  }
}
