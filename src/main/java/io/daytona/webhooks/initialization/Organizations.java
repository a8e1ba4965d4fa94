package io.daytona.webhooks.initialization;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/** The record of organizations the service has seen (the rows of {@code organization_initializations}). */
public final class Organizations {

  /**
   * Records a batch of organizations as seen, as a data-modifying CTE for the outbox's insert ($1: their ids;
   * sorted, so that concurrent commits lock them in the same order and cannot deadlock).
   */
  public static final String SEEN_BATCH_CTE = """
    seen AS (
      INSERT INTO organization_initializations (organization_id)
      SELECT DISTINCT o FROM unnest($1::text[]) AS o ORDER BY o
      ON CONFLICT (organization_id) DO NOTHING
    )""";

  private Organizations() {
  }

  /**
   * Records that the service has seen {@code organizationId} (through an event, an API call or
   * {@code organization.created}); a no-op when already known. Status PENDING until initialized.
   */
  public static Future<Void> markSeen(Pool pool, String organizationId, String name) {
    return pool.preparedQuery("INSERT INTO organization_initializations (organization_id, name) VALUES ($1, $2) "
        + "ON CONFLICT (organization_id) DO UPDATE SET name = COALESCE(organization_initializations.name, EXCLUDED.name) "
        + "WHERE organization_initializations.name IS NULL AND EXCLUDED.name IS NOT NULL")
      .execute(Tuple.of(organizationId, name))
      .mapEmpty();
  }
}
