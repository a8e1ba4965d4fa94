package io.daytona.webhooks.realtime;

import com.svix.Webhook;
import com.svix.exceptions.WebhookVerificationException;
import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.bus.ApiReply;
import io.daytona.webhooks.bus.ApiRequest;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code receiveOperationalWebhook}: verifies the Svix signature over the raw body with
 * {@code SVIX_OPERATIONAL_WEBHOOK_SECRET} (HMAC and a 5-minute timestamp tolerance, both in
 * {@link Webhook#verify}: pure CPU, no I/O), records the {@code svix-id} so that a replay
 * publishes once, and publishes what {@link OperationalMapping} makes of it.
 */
final class OperationalWebhookReceiver {

  private static final Logger LOG = LoggerFactory.getLogger(OperationalWebhookReceiver.class);
  static final String OPERATION = "receiveOperationalWebhook";

  private final ServiceContext ctx;
  private final Webhook webhook;

  OperationalWebhookReceiver(ServiceContext ctx) {
    this.ctx = ctx;
    String secret = ctx.config().svixOperationalWebhookSecret;
    Webhook w = null;
    if (secret != null) {
      try {
        w = new Webhook(secret);
      } catch (Exception e) {
        LOG.error("SVIX_OPERATIONAL_WEBHOOK_SECRET is not a usable Svix secret: operational webhooks are refused");
      }
    }
    this.webhook = w;
  }

  Future<JsonObject> handle(ApiRequest req) {
    if (!"svix".equals(ctx.provider().name())) {
      return Future.failedFuture(new ApiError(503,
        "Operational webhooks come from Svix: this service delivers itself (DELIVERY_PROVIDER=builtin)."));
    }
    if (webhook == null) {
      return Future.failedFuture(new ApiError(503,
        "Operational webhooks are not configured: set SVIX_OPERATIONAL_WEBHOOK_SECRET to the secret of the Svix operational webhook endpoint."));
    }
    String raw = req.rawBody();
    String svixId = req.header("svix-id");
    if (raw == null || svixId == null || req.header("svix-timestamp") == null || req.header("svix-signature") == null) {
      return Future.failedFuture(new ApiError(401, "The svix-id, svix-timestamp and svix-signature headers are required."));
    }
    Map<String, List<String>> headers = new HashMap<>();
    headers.put("svix-id", List.of(svixId));
    headers.put("svix-timestamp", List.of(req.header("svix-timestamp")));
    headers.put("svix-signature", List.of(req.header("svix-signature")));
    try {
      webhook.verify(raw, headers);
    } catch (WebhookVerificationException e) {
      LOG.warn("Operational webhook {} refused: {}", svixId, e.getMessage());
      return Future.failedFuture(new ApiError(401, "The Svix signature is missing, invalid or too old."));
    }
    JsonObject body;
    try {
      body = new JsonObject(raw);
    } catch (DecodeException | ClassCastException e) {
      return Future.failedFuture(ApiError.badRequest("", "The body is not a JSON object."));
    }
    String type = body.getString("type");
    List<OperationalMapping.Mapped> mapped = OperationalMapping.map(type, body.getValue("data"));
    if (mapped.isEmpty()) {
      LOG.debug("Operational webhook {} of type {} carries nothing we publish", svixId, type);
      return Future.succeededFuture(ApiReply.noContent());
    }
    return ctx.database().pool()
      .preparedQuery("INSERT INTO operational_webhooks_seen (svix_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING svix_id")
      .execute(Tuple.of(svixId))
      .recover(err -> {
        LOG.warn("Cannot record operational webhook {}: {}", svixId, err.getMessage());
        return Future.failedFuture(new ApiError(503, "The operational webhook cannot be recorded right now; Svix will retry."));
      })
      .compose(rows -> {
        if (rows.rowCount() == 0) {
          LOG.debug("Operational webhook {} is a replay: not published again", svixId);
          return Future.succeededFuture();
        }
        return Future.all(mapped.stream().map(this::publish).toList());
      })
      .map(v -> ApiReply.noContent());
  }

  /** Publishes one mapped event, unless it reports an endpoint change this service already published itself. */
  private Future<Void> publish(OperationalMapping.Mapped m) {
    String svixType = m.data().getString("svixEventType");
    return RealtimeEvents.claimOwnEndpointChange(ctx.vertx(), svixType, m.organizationId(), m.data().getString("endpointId"),
        m.data().getString("endpointUid"))
      .map(own -> {
        if (own) {
          LOG.debug("Operational {} for {} is our own change, already published", svixType, m.data().getString("endpointId"));
        } else {
          RealtimeEvents.publish(ctx.vertx(), m.type(), m.organizationId(), m.data());
        }
        return null;
      });
  }

  /** Signatures older than Svix's tolerance (5 minutes) are refused anyway: older ids need not be kept. */
  Future<Integer> forgetOld() {
    return ctx.database().pool()
      .query("DELETE FROM operational_webhooks_seen WHERE received_at < now() - interval '1 hour'")
      .execute().map(rows -> rows.rowCount());
  }
}
