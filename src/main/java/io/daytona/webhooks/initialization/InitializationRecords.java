package io.daytona.webhooks.initialization;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL over {@code organization_initializations} and the {@code InitializationStatus} JSON built from its rows.
 * A row with a non-null {@code next_retry_at} that is not INITIALIZED is an initialization still owed:
 * the background job takes it up once that time has passed.
 */
final class InitializationRecords {

  /** One organization to work on, as read from a page or a claim. */
  record OrgRef(String organizationId, String name) {
  }

  static final String COLUMNS = "organization_id, name, status, svix_application_created, svix_application_id, "
    + "endpoints_created, endpoint_ids, last_error, retry_count, next_retry_at, created_at, updated_at";

  private InitializationRecords() {
  }

  /** The {@code InitializationStatus} of an organization never seen: every field present, null where unknown. */
  static JsonObject notInitialized(String organizationId) {
    return new JsonObject().put("organizationId", organizationId).put("status", "NOT_INITIALIZED")
      .putNull("svixApplicationCreated").putNull("svixApplicationId").putNull("endpointsCreated")
      .putNull("endpointIds").putNull("lastError").putNull("retryCount").putNull("createdAt").putNull("updatedAt");
  }

  /** The {@code InitializationStatus} of a row; {@code endpointIds} in the order of the preconfigured endpoints. */
  static JsonObject status(Row row) {
    JsonObject ids = endpointIds(row);
    JsonArray endpointIds = new JsonArray();
    for (PreconfiguredEndpoints.Definition d : PreconfiguredEndpoints.ALL) {
      if (ids.getString(d.name()) != null) {
        endpointIds.add(ids.getString(d.name()));
      }
    }
    return new JsonObject()
      .put("organizationId", row.getString("organization_id"))
      .put("status", row.getString("status"))
      .put("svixApplicationCreated", row.getBoolean("svix_application_created"))
      .put("svixApplicationId", row.getString("svix_application_id"))
      .put("endpointsCreated", row.getBoolean("endpoints_created"))
      .put("endpointIds", endpointIds)
      .put("lastError", row.getString("last_error"))
      .put("retryCount", row.getInteger("retry_count"))
      .put("createdAt", timestamp(row.getOffsetDateTime("created_at")))
      .put("updatedAt", timestamp(row.getOffsetDateTime("updated_at")));
  }

  /** name → Svix endpoint id, as stored. */
  static JsonObject endpointIds(Row row) {
    Object v = row.getValue("endpoint_ids");
    if (v instanceof JsonObject o) {
      return o.copy();
    }
    return v == null ? new JsonObject() : new JsonObject(String.valueOf(v));
  }

  // ------------------------------------------------------------------ the writes of one run (each a short statement)

  /**
   * Takes the organization's lease for the run {@code owner} when no other run holds it (none, or expired);
   * answers the row (null when another run holds it).
   */
  static Future<Row> acquireLease(Pool pool, String organizationId, String owner, long leaseMs) {
    return pool.preparedQuery("UPDATE organization_initializations SET lease_owner = $2, "
        + "lease_until = now() + $3::bigint * interval '1 millisecond' "
        + "WHERE organization_id = $1 AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2) "
        + "RETURNING " + COLUMNS)
      .execute(Tuple.of(organizationId, owner, leaseMs))
      .map(InitializationRecords::first);
  }

  /** Pushes the lease of a run still going on further ahead. */
  static Future<Void> renewLease(Pool pool, String organizationId, String owner, long leaseMs) {
    return pool.preparedQuery("UPDATE organization_initializations SET "
        + "lease_until = now() + $3::bigint * interval '1 millisecond' WHERE organization_id = $1 AND lease_owner = $2")
      .execute(Tuple.of(organizationId, owner, leaseMs))
      .mapEmpty();
  }

  /** Lets the next run of this organization (on any node) go. */
  static Future<Void> releaseLease(Pool pool, String organizationId, String owner) {
    return pool.preparedQuery("UPDATE organization_initializations SET lease_owner = NULL, lease_until = NULL "
        + "WHERE organization_id = $1 AND lease_owner = $2")
      .execute(Tuple.of(organizationId, owner))
      .mapEmpty();
  }

  static Future<Void> recordApplication(Pool pool, String organizationId, String applicationId) {
    return pool.preparedQuery("UPDATE organization_initializations SET svix_application_created = true, "
        + "svix_application_id = $2, updated_at = now() WHERE organization_id = $1")
      .execute(Tuple.of(organizationId, applicationId))
      .mapEmpty();
  }

  /** Records a preconfigured endpoint's provider id under its name. */
  static Future<Void> recordEndpoint(Pool pool, String organizationId, String name, String endpointId) {
    return pool.preparedQuery("UPDATE organization_initializations SET endpoint_ids = endpoint_ids || "
        + "jsonb_build_object($2::text, $3::text), updated_at = now() WHERE organization_id = $1")
      .execute(Tuple.of(organizationId, name, endpointId))
      .mapEmpty();
  }

  static Future<Row> recordInitialized(Pool pool, String organizationId) {
    return pool.preparedQuery("UPDATE organization_initializations SET status = 'INITIALIZED', endpoints_created = true, "
        + "last_error = NULL, next_retry_at = NULL, updated_at = now() WHERE organization_id = $1 RETURNING " + COLUMNS)
      .execute(Tuple.of(organizationId))
      .map(InitializationRecords::first);
  }

  /** FAILED, with the error, one more retry and the next retry {@code retryInMs} from now. */
  static Future<Row> recordFailed(Pool pool, String organizationId, String error, long retryInMs) {
    return pool.preparedQuery("UPDATE organization_initializations SET status = 'FAILED', endpoints_created = false, "
        + "last_error = $2, retry_count = retry_count + 1, "
        + "next_retry_at = now() + $3::bigint * interval '1 millisecond', updated_at = now() "
        + "WHERE organization_id = $1 RETURNING " + COLUMNS)
      .execute(Tuple.of(organizationId, error, retryInMs))
      .map(InitializationRecords::first);
  }

  static Future<Void> touch(Pool pool, String organizationId) {
    return pool.preparedQuery("UPDATE organization_initializations SET updated_at = now() WHERE organization_id = $1")
      .execute(Tuple.of(organizationId))
      .mapEmpty();
  }

  static Future<Row> find(SqlClient client, String organizationId) {
    return client.preparedQuery("SELECT " + COLUMNS + " FROM organization_initializations WHERE organization_id = $1")
      .execute(Tuple.of(organizationId))
      .map(InitializationRecords::first);
  }

  /**
   * Records an organization announced by {@code organization.created}: its name, and an initialization owed
   * from {@code leaseMs} on (so that, should this node die before finishing, another takes it up).
   * Answers the row.
   */
  static Future<Row> recordCreated(Pool pool, String organizationId, String name, long leaseMs) {
    return pool.preparedQuery("INSERT INTO organization_initializations (organization_id, name, next_retry_at) "
        + "VALUES ($1, $2, now() + $3::bigint * interval '1 millisecond') "
        + "ON CONFLICT (organization_id) DO UPDATE SET "
        + "name = COALESCE(EXCLUDED.name, organization_initializations.name), "
        + "next_retry_at = CASE WHEN organization_initializations.status = 'INITIALIZED' THEN NULL "
        + "ELSE COALESCE(organization_initializations.next_retry_at, EXCLUDED.next_retry_at) END "
        + "RETURNING " + COLUMNS)
      .execute(Tuple.of(organizationId, name, leaseMs))
      .map(InitializationRecords::first);
  }

  /** {@code {totalOrganizations, initializedOrganizations, failedInitializations, pendingInitializations}}. */
  static Future<JsonObject> stats(Pool pool) {
    return pool.query("SELECT count(*) AS total, "
        + "count(*) FILTER (WHERE status = 'INITIALIZED') AS initialized, "
        + "count(*) FILTER (WHERE status = 'FAILED') AS failed FROM organization_initializations")
      .execute()
      .map(rows -> {
        Row r = rows.iterator().next();
        long total = r.getLong("total");
        long initialized = r.getLong("initialized");
        long failed = r.getLong("failed");
        return new JsonObject().put("totalOrganizations", total).put("initializedOrganizations", initialized)
          .put("failedInitializations", failed).put("pendingInitializations", total - initialized - failed);
      });
  }

  static Future<Long> count(Pool pool, String status) {
    return pool.preparedQuery("SELECT count(*) AS n FROM organization_initializations WHERE status = $1")
      .execute(Tuple.of(status))
      .map(rows -> rows.iterator().next().getLong("n"));
  }

  /** One page of the organizations in {@code status}, after {@code afterId} (keyset, by organization id). */
  static Future<List<OrgRef>> page(Pool pool, String status, String afterId, int limit) {
    return pool.preparedQuery("SELECT organization_id, name FROM organization_initializations "
        + "WHERE status = $1 AND organization_id > $2 ORDER BY organization_id LIMIT $3")
      .execute(Tuple.of(status, afterId == null ? "" : afterId, limit))
      .map(InitializationRecords::refs);
  }

  /**
   * Claims up to {@code limit} owed initializations whose time has come (FAILED, or PENDING after an
   * {@code organization.created}), pushing their {@code next_retry_at} {@code leaseMs} ahead so that no other
   * node claims them meanwhile; {@code SKIP LOCKED} keeps concurrent claimers apart.
   */
  static Future<List<OrgRef>> claimDue(Pool pool, int limit, long leaseMs) {
    return pool.preparedQuery("UPDATE organization_initializations SET next_retry_at = now() + $2::bigint * interval '1 millisecond' "
        + "WHERE organization_id IN (SELECT organization_id FROM organization_initializations "
        + "WHERE status <> 'INITIALIZED' AND next_retry_at <= now() ORDER BY next_retry_at LIMIT $1 "
        + "FOR UPDATE SKIP LOCKED) RETURNING organization_id, name")
      .execute(Tuple.of(limit, leaseMs))
      .map(InitializationRecords::refs);
  }

  private static List<OrgRef> refs(RowSet<Row> rows) {
    List<OrgRef> out = new ArrayList<>(rows.size());
    rows.forEach(r -> out.add(new OrgRef(r.getString("organization_id"), r.getString("name"))));
    return out;
  }

  private static Row first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? it.next() : null;
  }

  private static String timestamp(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
