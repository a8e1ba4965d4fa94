package io.daytona.webhooks.realtime;

import io.daytona.webhooks.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Publishes real-time messages {@code {type, organizationId, data, timestamp}} on the clustered
 * bus: to {@code webhooks.org.<organizationId>} and to {@code webhooks.admin}.
 *
 * <p>One endpoint change, one event: an endpoint created, updated or deleted through this
 * service's API is published at once by the endpoints verticle ({@link #ownEndpointChange}),
 * which also notes {@code <svix type>:<organization>:<endpoint id or uid>} for {@link #OWN_CHANGE_TTL_MS} in the shared
 * async map {@value #OWN_CHANGES_MAP} (cluster-wide when the service runs clustered, else this
 * node's). Svix then reports the same change as an operational webhook; the receiver
 * {@linkplain #claimOwnEndpointChange claims} the note (removes it) and publishes nothing. Changes
 * made elsewhere (Svix's dashboard or app portal) and Svix's own {@code endpoint.disabled/enabled}
 * have no note and are published from the operational webhook.
 */
public final class RealtimeEvents {

  private static final Logger LOG = LoggerFactory.getLogger(RealtimeEvents.class);

  public static final String WEBHOOK_DELIVERED = "webhook.delivered";
  public static final String WEBHOOK_FAILED = "webhook.failed";
  public static final String ENDPOINT_CREATED = "endpoint.created";
  public static final String ENDPOINT_UPDATED = "endpoint.updated";
  public static final String ENDPOINT_DELETED = "endpoint.deleted";

  /** Shared async map of the endpoint changes this service made itself: {@code <type>:<organization>:<endpoint id or uid>}. */
  static final String OWN_CHANGES_MAP = "webhooks.realtime.own-endpoint-changes";
  /** How long Svix's operational webhook for our own change is expected within (Svix sends it within seconds). */
  static final long OWN_CHANGE_TTL_MS = 60_000;
  private static final Set<String> ENDPOINT_TYPES = Set.of(ENDPOINT_CREATED, ENDPOINT_UPDATED, ENDPOINT_DELETED);

  private RealtimeEvents() {
  }

  public static JsonObject message(String type, String organizationId, Object data) {
    return new JsonObject().put("type", type).put("organizationId", organizationId).put("data", data)
      .put("timestamp", Instant.now().toString());
  }

  public static void publish(Vertx vertx, String type, String organizationId, Object data) {
    JsonObject message = message(type, organizationId, data);
    LOG.debug("Publishing {} for organization {}", type, organizationId);
    vertx.eventBus().publish(Addresses.org(organizationId), message);
    vertx.eventBus().publish(Addresses.ADMIN, message);
  }

  /**
   * Makes an endpoint change through the provider ({@code change}) and publishes it as this
   * service's own ({@code announced} gives the message's data). When the endpoint's id or uid is
   * known before the call ({@code endpoint}: an update, a delete, a create with a uid) the note is
   * written first, so that Svix's report cannot outrun it, and taken back when the change fails;
   * for a create without a uid the note can only follow the provider's answer
   * ({@link #publishOwnEndpointChange}).
   */
  public static <T> Future<T> ownEndpointChange(Vertx vertx, String type, String organizationId, String endpoint,
                                                Supplier<Future<T>> change, Function<T, JsonObject> announced) {
    if (endpoint == null || !ENDPOINT_TYPES.contains(type)) {
      return change.get().compose(r -> publishOwnEndpointChange(vertx, type, organizationId, announced.apply(r)).map(r));
    }
    return note(vertx, type, organizationId, endpoint)
      .transform(noted -> change.get()
        .onSuccess(r -> publish(vertx, type, organizationId, announced.apply(r)))
        .onFailure(err -> {
          if (noted.succeeded()) {
            noted.result().remove(key(type, organizationId, endpoint));
          }
        }));
  }

  /** Notes an own change for {@link #OWN_CHANGE_TTL_MS}; answers the map it is in. */
  private static Future<AsyncMap<String, Boolean>> note(Vertx vertx, String type, String organizationId,
                                                        String endpoint) {
    return vertx.sharedData().<String, Boolean>getAsyncMap(OWN_CHANGES_MAP)
      .compose(map -> map.put(key(type, organizationId, endpoint), Boolean.TRUE, OWN_CHANGE_TTL_MS).map(map))
      .onFailure(err -> LOG.warn("Cannot note own {} of {}: Svix's operational webhook will publish it again: {}",
        type, endpoint, err.getMessage()));
  }

  /**
   * Publishes an endpoint change this service made through Svix's API ({@code data.id} is the
   * endpoint id, or the id or uid the caller named for a delete) and notes it, so that Svix's
   * operational webhook for the same change is not published a second time.
   */
  public static Future<Void> publishOwnEndpointChange(Vertx vertx, String type, String organizationId, JsonObject data) {
    String endpoint = data.getString("id");
    if (endpoint == null || !ENDPOINT_TYPES.contains(type)) {
      publish(vertx, type, organizationId, data);
      return Future.succeededFuture();
    }
    // the note is written before the message goes out: whoever sees the message (and makes Svix report
    // the change) finds the note already there
    return note(vertx, type, organizationId, endpoint)
      .transform(ar -> {
        publish(vertx, type, organizationId, data);
        return Future.<Void>succeededFuture();
      });
  }

  /**
   * Whether the operational {@code svixType} for this endpoint (by id or uid) reports a change this
   * service made and already published within the last {@link #OWN_CHANGE_TTL_MS}; the note is
   * taken away, so each own change suppresses one operational event. Answers false when the map
   * cannot be read (a duplicate is better than a lost event).
   */
  public static Future<Boolean> claimOwnEndpointChange(Vertx vertx, String svixType, String organizationId,
                                                       String endpointId, String endpointUid) {
    if (!ENDPOINT_TYPES.contains(svixType) || organizationId == null || endpointId == null && endpointUid == null) {
      return Future.succeededFuture(false);
    }
    return vertx.sharedData().<String, Boolean>getAsyncMap(OWN_CHANGES_MAP)
      .compose(map -> (endpointId == null ? Future.<Boolean>succeededFuture(null) : map.remove(key(svixType, organizationId, endpointId)))
        .compose(byId -> byId != null || endpointUid == null
          ? Future.succeededFuture(byId)
          : map.remove(key(svixType, organizationId, endpointUid))))
      .map(found -> found != null)
      .otherwise(err -> {
        LOG.warn("Cannot read own endpoint changes: {}", err.getMessage());
        return false;
      });
  }

  /** Keyed by organization too: an endpoint uid (a preconfigured endpoint's name) is the same in every organization. */
  private static String key(String type, String organizationId, String endpoint) {
    return type + ":" + organizationId + ":" + endpoint;
  }
}
