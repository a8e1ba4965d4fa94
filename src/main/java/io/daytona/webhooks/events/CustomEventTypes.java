package io.daytona.webhooks.events;

import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.db.Database;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The custom event types in use ({@code custom_event_types}): those sent through {@code /send} and those an
 * endpoint filters on, recorded once each so that {@code GET /event-types} lists them, at most
 * {@code MAX_CUSTOM_EVENT_TYPES} service-wide. Each instance remembers what it recorded, so a type costs one
 * transaction per node the first time only.
 */
public final class CustomEventTypes {

  /** Serializes the admissions of every node, so that the service-wide limit holds across the cluster. */
  private static final long ADMISSION_LOCK = 0x7765626831L;

  private final Pool pool;
  private final int max;
  private final Set<String> recorded = ConcurrentHashMap.newKeySet();

  public CustomEventTypes(Database database, int maxCustomEventTypes) {
    this.pool = database.pool();
    this.max = maxCustomEventTypes;
  }

  private static boolean custom(String name) {
    return name != null && !EventTypes.PLATFORM.containsKey(name) && !"organization.created".equals(name);
  }

  /**
   * Records the custom types among {@code names} unless that would make more than {@code MAX_CUSTOM_EVENT_TYPES}
   * distinct custom types service-wide: then nothing is recorded and the future fails with a 400 naming
   * {@code pointer}. Types already recorded are always admitted (one statement per node the first time only).
   */
  public Future<Void> admit(Collection<String> names, String pointer) {
    List<String> fresh = new ArrayList<>();
    for (String n : names) {
      if (custom(n) && !recorded.contains(n) && !fresh.contains(n)) {
        fresh.add(n);
      }
    }
    if (fresh.isEmpty()) {
      return Future.succeededFuture();
    }
    String[] array = fresh.toArray(new String[0]);
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(ADMISSION_LOCK))
      .compose(v -> conn.preparedQuery("SELECT (SELECT count(*) FROM custom_event_types) AS total, "
        + "(SELECT count(*) FROM custom_event_types WHERE name = ANY($1::text[])) AS known").execute(Tuple.of((Object) array)))
      .compose(rs -> {
        var row = rs.iterator().next();
        long total = row.getLong("total");
        long unknown = fresh.size() - row.getLong("known");
        if (total + unknown > max) {
          return Future.<Boolean>succeededFuture(false);
        }
        return conn.preparedQuery("INSERT INTO custom_event_types (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING")
          .execute(Tuple.of((Object) array)).map(true);
      }))
      .recover(err -> Future.failedFuture(new ApiError(503, "Event types cannot be checked right now; try again.")))
      .compose(admitted -> {
        if (!admitted) {
          return Future.failedFuture(ApiError.badRequest(pointer, "a new custom event type would exceed "
            + "MAX_CUSTOM_EVENT_TYPES (" + max + " distinct custom types service-wide)"));
        }
        recorded.addAll(fresh);
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
