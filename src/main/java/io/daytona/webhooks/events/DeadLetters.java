package io.daytona.webhooks.events;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a message that could not be accepted is kept: its address, headers, raw body (at most 1 Mi
 * characters, the reason saying when it was cut) and why, in {@code dead_letters}. Never fails: when even
 * that cannot be stored, the message is logged with its body.
 */
public final class DeadLetters {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
  static final int MAX_BODY_CHARS = 1024 * 1024;

  private DeadLetters() {
  }

  public static Future<Void> keep(Pool pool, String address, MultiMap headers, Object body, String reason) {
    JsonObject headerJson = new JsonObject();
    if (headers != null) {
      headers.names().forEach(n -> headerJson.put(n, headers.getAll(n).size() == 1 ? headers.get(n) : headers.getAll(n)));
    }
    String text = PlatformEvent.rawText(body);
    String storedReason = reason;
    if (text != null && text.length() > MAX_BODY_CHARS) {
      text = text.substring(0, MAX_BODY_CHARS);
      storedReason = reason + " (body truncated to " + MAX_BODY_CHARS + " characters)";
    }
    String bodyText = text;
    LOG.warn("Dead-lettered a message on {}: {}", address, reason);
    return pool.preparedQuery("INSERT INTO dead_letters (address, headers, body, reason) VALUES ($1, $2, $3, $4)")
      .execute(Tuple.of(address, headerJson, bodyText, storedReason))
      .<Void>mapEmpty()
      .recover(err -> {
        LOG.error("Could not store a dead letter of {} ({}): {}; body: {}", address, reason, err.getMessage(), bodyText);
        return Future.succeededFuture();
      });
  }
}
