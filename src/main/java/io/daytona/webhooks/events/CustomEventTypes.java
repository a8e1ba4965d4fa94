package io.daytona.webhooks.events;

import io.daytona.webhooks.db.Database;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The custom event types in use ({@code custom_event_types}): those sent through {@code /send} and those an
 * endpoint filters on, recorded once each so that {@code GET /event-types} lists them. Each instance remembers
 * what it recorded, so a type costs one statement per node the first time only.
 */
public final class CustomEventTypes {

  private static final Logger LOG = LoggerFactory.getLogger(CustomEventTypes.class);

  private final Pool pool;
  private final Set<String> recorded = ConcurrentHashMap.newKeySet();

  public CustomEventTypes(Database database) {
    this.pool = database.pool();
  }

  /**
   * Records the custom types among {@code names} (platform types are skipped). Never fails: a type that could not
   * be recorded is only missing from the catalog (logged) and is tried again next time.
   */
  public Future<Void> record(Collection<String> names) {
    List<String> fresh = new ArrayList<>();
    for (String n : names) {
      if (n != null && !EventTypes.PLATFORM.containsKey(n) && !"organization.created".equals(n) && !recorded.contains(n)) {
        fresh.add(n);
      }
    }
    if (fresh.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery("INSERT INTO custom_event_types (name) SELECT DISTINCT unnest($1::text[]) ON CONFLICT DO NOTHING")
      .execute(Tuple.of(fresh.toArray(new String[0])))
      .onSuccess(rs -> recorded.addAll(fresh))
      .<Void>mapEmpty()
      .recover(err -> {
        LOG.warn("Could not record custom event types {}: {}", fresh, err.getMessage());
        return Future.succeededFuture();
      });
  }

  /** Every recorded custom type, by name. */
  public Future<List<String>> list() {
    return pool.query("SELECT name FROM custom_event_types ORDER BY name").execute()
      .map(rs -> {
        List<String> out = new ArrayList<>();
        rs.forEach(r -> out.add(r.getString(0)));
        return out;
      });
  }
}
