package io.daytona.webhooks.realtime;

import io.daytona.webhooks.auth.Authenticator;
import io.daytona.webhooks.auth.Principal;
import io.daytona.webhooks.bus.Addresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.Map;

/**
 * The guard of the SockJS bridge. Every client message loses its {@code Authorization} header
 * before anything else sees it; a {@code register} needs that header to authenticate a principal
 * with access to the organization of {@code webhooks.org.<id>} (or an admin for
 * {@code webhooks.admin}); {@code send} and {@code publish} are always refused (nothing goes into
 * the bus from a browser); at most {@code REALTIME_MAX_SESSIONS_PER_ORG} sockets are registered per organization
 * on a node ({@link RealtimeSessions}); a message for a socket whose write queue is full is dropped (a slow
 * client never makes the service buffer without bound).
 */
public final class RealtimeBridge implements Handler<BridgeEvent> {

  private static final Logger LOG = LoggerFactory.getLogger(RealtimeBridge.class);

  private final Authenticator authenticator;
  private final RealtimeSessions sessions;
  private final Counter dropped;
  private final Counter refused;

  public RealtimeBridge(Authenticator authenticator, RealtimeSessions sessions, MeterRegistry meters) {
    this.authenticator = authenticator;
    this.sessions = sessions;
    this.dropped = meters == null ? null : Counter.builder("webhooks.realtime.dropped")
      .description("Real-time messages dropped because a SockJS client's write queue was full").register(meters);
    this.refused = meters == null ? null : Counter.builder("webhooks.realtime.refused")
      .description("SockJS register, send or publish attempts refused").register(meters);
  }

  @Override
  public void handle(BridgeEvent event) {
    BridgeEventType type = event.type();
    String authorization = stripAuthorization(event.getRawMessage());
    switch (type) {
      case SEND, PUBLISH -> refuse(event, "{} to '{}' refused: nothing may be sent into the bus from a browser", type);
      case REGISTER -> {
        String address = event.getRawMessage() == null ? null : event.getRawMessage().getString("address");
        mayRegister(address, authorization).onComplete(ar -> {
          if (!ar.succeeded() || !ar.result()) {
            refuse(event, "{} for '{}' refused: missing or insufficient credentials", type);
            return;
          }
          String org = organizationOf(address);
          if (org != null && !sessions.admit(org, event.socket())) {
            LOG.info("A SockJS register for '{}' was refused: the organization has REALTIME_MAX_SESSIONS_PER_ORG "
              + "sockets registered on this node already", address);
            refuse(event, "{} for '{}' refused: too many sockets for the organization", type);
            return;
          }
          LOG.debug("REGISTER for '{}' accepted", address);
          if (!event.tryComplete(true) && org != null) {
            sessions.release(org, event.socket());
          }
        });
      }
      case UNREGISTER -> {
        String org = organizationOf(event.getRawMessage() == null ? null : event.getRawMessage().getString("address"));
        if (org != null) {
          sessions.release(org, event.socket());
        }
        event.complete(true);
      }
      case SOCKET_CLOSED -> {
        sessions.closed(event.socket());
        event.complete(true);
      }
      case RECEIVE -> {
        boolean full = event.socket().writeQueueFull();
        if (full && dropped != null) {
          dropped.increment();
        }
        event.complete(!full);
      }
      default -> {
        if (LOG.isDebugEnabled()) { // SOCKET_PING comes here too, per socket and interval
          LOG.debug("{} {}", type, event.getRawMessage() == null ? "" : event.getRawMessage().getString("address", ""));
        }
        event.complete(true);
      }
    }
  }

  private void refuse(BridgeEvent event, String message, BridgeEventType type) {
    if (refused != null) {
      refused.increment();
    }
    JsonObject raw = event.getRawMessage();
    LOG.debug(message, type, raw == null ? null : raw.getString("address"));
    event.tryComplete(false);
  }

  private static String organizationOf(String address) {
    return address != null && address.startsWith(Addresses.ORG_PREFIX) && address.length() > Addresses.ORG_PREFIX.length()
      ? address.substring(Addresses.ORG_PREFIX.length()) : null;
  }

  private Future<Boolean> mayRegister(String address, String authorization) {
    if (address == null || authorization == null) {
      return Future.succeededFuture(false);
    }
    boolean admin = Addresses.ADMIN.equals(address);
    String org = organizationOf(address);
    if (!admin && org == null) {
      return Future.succeededFuture(false);
    }
    return authenticator.authenticate(authorization, null)
      .map((Principal p) -> admin ? p.admin() : p.canAccess(org))
      .otherwise(false);
  }

  /**
   * Removes every {@code Authorization} header (any case) from a client message, in place, so that
   * no token travels further (bus, logs, later bridge events); returns its value.
   */
  static String stripAuthorization(JsonObject rawMessage) {
    if (rawMessage == null || !(rawMessage.getValue("headers") instanceof JsonObject headers)) {
      return null;
    }
    String value = null;
    Iterator<Map.Entry<String, Object>> it = headers.iterator();
    while (it.hasNext()) {
      Map.Entry<String, Object> h = it.next();
      if ("authorization".equalsIgnoreCase(h.getKey())) {
        if (value == null && h.getValue() instanceof String s) {
          value = s;
        }
        it.remove();
      }
    }
    return value;
  }
}
