package io.daytona.webhooks.initialization;

import io.daytona.webhooks.bus.ApiError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Initializes one organization (its Svix application and the five preconfigured endpoints) and keeps
 * its row of {@code organization_initializations} true.
 *
 * <p>Each run holds a PostgreSQL advisory transaction lock on the organization for its whole length, so two
 * runs for one organization (two requests, {@code organization.created} racing {@code /initialize}, two nodes
 * on one database) take turns; the second sees what the first recorded. The row is written in that same
 * transaction; a Svix failure still commits what succeeded, with status FAILED, {@code lastError}, one more
 * {@code retryCount} and the next retry time (exponential backoff, capped). Endpoints carry a stable uid
 * (their name), so Svix itself refuses a duplicate (409: the existing one is fetched instead).
 */
final class Initializer {

  private static final Logger LOG = LoggerFactory.getLogger(Initializer.class);

  /** First key of the advisory locks taken here (the second is the hash of the organization id). */
  private static final int LOCK_NAMESPACE = 0x1417_0001;

  /** What to do with an organization already INITIALIZED. */
  enum Mode {
    /** Check with Svix that the application and every endpoint exist; create what is missing. */
    VERIFY,
    /** Nothing: it is done (automatic initialization, retries). */
    SKIP_IF_INITIALIZED
  }

  /** The result of one run: the row's status after it, the five endpoints when reached, and the Svix failure if any. */
  record Outcome(JsonObject status, List<JsonObject> endpoints, int created, int existing, ApiError failure) {
  }

  private final Pool pool;
  private final SvixBus svix;
  private final URI baseUrl;
  private final long retryBaseMs;
  private final long retryMaxMs;
  private final long lockTimeoutMs;

  Initializer(Pool pool, SvixBus svix, URI baseUrl, long retryBaseMs, long retryMaxMs, long lockTimeoutMs) {
    this.pool = pool;
    this.svix = svix;
    this.baseUrl = baseUrl;
    this.retryBaseMs = retryBaseMs;
    this.retryMaxMs = retryMaxMs;
    this.lockTimeoutMs = lockTimeoutMs;
  }

  /** Initializes {@code organizationId}, creating only what is missing; fails only on a database failure. */
  Future<Outcome> initialize(String organizationId, String name, Mode mode) {
    return pool.withTransaction(conn -> lock(conn, organizationId)
      .compose(v -> conn.preparedQuery("INSERT INTO organization_initializations (organization_id, name) VALUES ($1, $2) "
        + "ON CONFLICT (organization_id) DO NOTHING").execute(Tuple.of(organizationId, name)))
      .compose(v -> InitializationRecords.find(conn, organizationId))
      .compose(row -> {
        if (mode == Mode.SKIP_IF_INITIALIZED && "INITIALIZED".equals(row.getString("status"))) {
          return Future.succeededFuture(new Outcome(InitializationRecords.status(row), List.of(), 0, 0, null));
        }
        return reconcile(conn, organizationId, name != null ? name : row.getString("name"), row);
      }));
  }

  /**
   * Brings an INITIALIZED organization's preconfigured endpoints to the current configuration, in place:
   * each is updated by its uid; one missing is created (with that uid). Answers a bulk result item
   * {@code {organizationId, status: UPDATED | FAILED | SKIPPED, error}}.
   */
  Future<JsonObject> updateEndpoints(String organizationId) {
    return pool.withTransaction(conn -> lock(conn, organizationId)
      .compose(v -> InitializationRecords.find(conn, organizationId))
      .compose(row -> {
        if (row == null || !"INITIALIZED".equals(row.getString("status"))) {
          return Future.succeededFuture(item(organizationId, "SKIPPED", "not initialized"));
        }
        Progress p = new Progress(InitializationRecords.endpointIds(row));
        String name = row.getString("name");
        Future<Void> chain = Future.succeededFuture();
        for (PreconfiguredEndpoints.Definition d : PreconfiguredEndpoints.ALL) {
          chain = chain.compose(v -> updateOne(conn, organizationId, name, d, p));
        }
        return chain.transform(ar -> {
          if (ar.succeeded()) {
            return conn.preparedQuery("UPDATE organization_initializations SET updated_at = now() WHERE organization_id = $1")
              .execute(Tuple.of(organizationId)).map(r -> item(organizationId, "UPDATED", null));
          }
          if (!(ar.cause() instanceof ApiError e)) {
            return Future.failedFuture(ar.cause());
          }
          // An endpoint found missing and not re-created: the organization is no longer fully initialized.
          Future<?> record = p.missing ? markFailed(conn, organizationId, e, row.getInteger("retry_count"))
            : Future.succeededFuture();
          return record.map(r -> item(organizationId, "FAILED", e.detail()));
        });
      }));
  }

  static JsonObject item(String organizationId, String status, String error) {
    return new JsonObject().put("organizationId", organizationId).put("status", status).put("error", error);
  }

  // ------------------------------------------------------------------ steps

  private Future<Void> lock(SqlConnection conn, String organizationId) {
    return conn.query("SET LOCAL lock_timeout = " + lockTimeoutMs).execute()
      .compose(v -> conn.preparedQuery("SELECT count(*) FROM (SELECT pg_advisory_xact_lock(" + LOCK_NAMESPACE
        + ", hashtext($1))) AS l").execute(Tuple.of(organizationId)))
      .mapEmpty();
  }

  private Future<Outcome> reconcile(SqlConnection conn, String org, String name, Row row) {
    Progress p = new Progress(InitializationRecords.endpointIds(row));
    Future<Void> work = svix.ensureApplication(org, name)
      .recover(err -> Future.failedFuture(context("Svix application", err)))
      .compose(app -> conn.preparedQuery("UPDATE organization_initializations SET svix_application_created = true, "
          + "svix_application_id = $2, updated_at = now() WHERE organization_id = $1")
        .execute(Tuple.of(org, app.getString("id"))).<Void>mapEmpty());
    for (PreconfiguredEndpoints.Definition d : PreconfiguredEndpoints.ALL) {
      work = work.compose(v -> ensureEndpoint(conn, org, name, d, p));
    }
    return work.transform(ar -> {
      if (ar.succeeded()) {
        return conn.preparedQuery("UPDATE organization_initializations SET status = 'INITIALIZED', endpoints_created = true, "
            + "last_error = NULL, next_retry_at = NULL, updated_at = now() WHERE organization_id = $1 RETURNING "
            + InitializationRecords.COLUMNS)
          .execute(Tuple.of(org))
          .map(rows -> new Outcome(InitializationRecords.status(rows.iterator().next()), p.endpoints, p.created,
            p.existing, null));
      }
      if (ar.cause() instanceof ApiError e) {
        LOG.warn("Initialization of organization {} failed: {}", org, e.detail());
        return markFailed(conn, org, e, row.getInteger("retry_count"))
          .map(r -> new Outcome(InitializationRecords.status(r), p.endpoints, p.created, p.existing, e));
      }
      return Future.failedFuture(ar.cause());
    });
  }

  /** The endpoint exists when this completes: verified by uid when recorded, else created (409: fetched). */
  private Future<Void> ensureEndpoint(SqlConnection conn, String org, String name, PreconfiguredEndpoints.Definition d,
                                      Progress p) {
    String stored = p.ids.getString(d.name());
    Future<JsonObject> endpoint;
    if (stored != null) {
      endpoint = svix.getEndpoint(org, d.uid())
        .map(ep -> {
          p.existing++;
          return ep;
        })
        .recover(err -> SvixBus.isStatus(err, 404) ? create(org, name, d, p)
          : Future.failedFuture(context("Checking endpoint '" + d.name() + "'", err)));
    } else {
      endpoint = create(org, name, d, p);
    }
    return endpoint.compose(ep -> {
      p.endpoints.add(ep);
      return store(conn, org, d, ep, p);
    });
  }

  private Future<JsonObject> create(String org, String name, PreconfiguredEndpoints.Definition d, Progress p) {
    return svix.createEndpoint(org, name, d.uid(), d.url(baseUrl, org), d.description(), new JsonArray(d.eventTypes()))
      .map(ep -> {
        p.created++;
        return ep;
      })
      .recover(err -> {
        if (SvixBus.isStatus(err, 409)) {
          // Svix has an endpoint with this uid already: that one is ours.
          return svix.getEndpoint(org, d.uid()).map(ep -> {
            p.existing++;
            return ep;
          });
        }
        return Future.failedFuture(err);
      })
      .recover(err -> Future.failedFuture(context("Creating endpoint '" + d.name() + "'", err)));
  }

  private Future<Void> updateOne(SqlConnection conn, String org, String name, PreconfiguredEndpoints.Definition d,
                                 Progress p) {
    return svix.updateEndpoint(org, d.uid(), d.uid(), d.url(baseUrl, org), d.description(), new JsonArray(d.eventTypes()))
      .recover(err -> {
        if (!SvixBus.isStatus(err, 404)) {
          return Future.failedFuture(context("Updating endpoint '" + d.name() + "'", err));
        }
        p.missing = true;
        return svix.ensureApplication(org, name)
          .recover(e -> Future.failedFuture(context("Svix application", e)))
          .compose(app -> conn.preparedQuery("UPDATE organization_initializations SET svix_application_id = $2 "
            + "WHERE organization_id = $1").execute(Tuple.of(org, app.getString("id"))))
          .compose(v -> create(org, name, d, p))
          .onSuccess(ep -> p.missing = false);
      })
      .compose(ep -> store(conn, org, d, ep, p));
  }

  /** Records the endpoint's Svix id under its name (when it differs from the one recorded). */
  private Future<Void> store(SqlConnection conn, String org, PreconfiguredEndpoints.Definition d, JsonObject ep,
                             Progress p) {
    String id = ep.getString("id");
    if (id == null || id.equals(p.ids.getString(d.name()))) {
      return Future.succeededFuture();
    }
    p.ids.put(d.name(), id);
    return conn.preparedQuery("UPDATE organization_initializations SET endpoint_ids = endpoint_ids || "
        + "jsonb_build_object($2::text, $3::text), updated_at = now() WHERE organization_id = $1")
      .execute(Tuple.of(org, d.name(), id))
      .mapEmpty();
  }

  private Future<Row> markFailed(SqlConnection conn, String org, ApiError e, Integer retryCount) {
    int attempts = (retryCount == null ? 0 : retryCount) + 1;
    return conn.preparedQuery("UPDATE organization_initializations SET status = 'FAILED', endpoints_created = false, "
        + "last_error = $2, retry_count = retry_count + 1, "
        + "next_retry_at = now() + $3::bigint * interval '1 millisecond', updated_at = now() "
        + "WHERE organization_id = $1 RETURNING " + InitializationRecords.COLUMNS)
      .execute(Tuple.of(org, e.detail(), backoffMs(attempts)))
      .map(rows -> rows.iterator().next());
  }

  /** Exponential backoff after the n-th failure, capped, with up to 20% jitter below. */
  long backoffMs(int failures) {
    double d = retryBaseMs * Math.pow(2, Math.min(Math.max(failures - 1, 0), 40));
    d = Math.min(d, retryMaxMs);
    return Math.max(1, (long) (d * (0.8 + 0.2 * ThreadLocalRandom.current().nextDouble())));
  }

  private static Throwable context(String what, Throwable err) {
    if (err instanceof ApiError e) {
      return new ApiError(e.status(), what + ": " + e.detail(), e.retryAfterSeconds(), null, e.upstreamStatus());
    }
    return err;
  }

  /** What one run has reached so far. */
  private static final class Progress {
    final JsonObject ids;
    final List<JsonObject> endpoints = new ArrayList<>();
    int created;
    int existing;
    boolean missing;

    Progress(JsonObject ids) {
      this.ids = ids;
    }
  }
}
