package io.daytona.webhooks.initialization;

import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.config.ServiceConfig.InitializationSettings;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.Endpoint;
import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.provider.ProviderFailure.Kind;
import io.daytona.webhooks.realtime.RealtimeEvents;
import io.daytona.webhooks.retry.Backoff;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Initializes one organization (its application and the five preconfigured endpoints) through the delivery
 * provider and keeps its row of {@code organization_initializations} true.
 *
 * <p>No transaction, pooled connection or lock is held while the provider is called: two runs for one organization
 * (two requests, {@code organization.created} racing {@code /initialize}, two nodes on one database) take turns
 * through a lease on the organization's row ({@code lease_owner}, {@code lease_until}: taken by an UPDATE when
 * free or expired, renewed every third of {@code lease} while the run goes on, released at its end); the second
 * waits on a timer, never on a connection, and re-reads what the first recorded. Progress is written in short
 * statements as it is made ({@link InitializationRecords}), so recording an organization as seen never waits for
 * its initialization. At most {@code concurrency} runs go on at once on this node. A provider failure keeps what
 * succeeded and records FAILED, {@code lastError}, one more {@code retryCount} and the next retry: the backoff
 * after a failure worth retrying (provider down, slow, rate-limiting), the longest wait after one that will
 * likely fail the same way (refused, rejected). Endpoints carry a stable uid (their name), so the provider
 * itself refuses a duplicate (DUPLICATE: the existing one is fetched instead).
 */
final class Initializer {

  private static final Logger LOG = LoggerFactory.getLogger(Initializer.class);
  private static final long TURN_POLL_MS = 50;

  /** What to do with an organization already INITIALIZED. */
  enum Mode {
    /** Check with the provider that the application and every endpoint exist; create what is missing. */
    VERIFY,
    /** Nothing: it is done (automatic initialization, retries). */
    SKIP_IF_INITIALIZED
  }

  /** The result of one run: the row's status after it, the five endpoints when reached, and the provider failure if any. */
  record Outcome(JsonObject status, List<JsonObject> endpoints, int created, int existing, ProviderFailure failure) {
  }

  private final Vertx vertx;
  private final Pool pool;
  private final DeliveryProvider provider;
  private final URI baseUrl;
  private final InitializationSettings settings;
  private final Backoff backoff;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int running;

  Initializer(Vertx vertx, Pool pool, DeliveryProvider provider, URI baseUrl, InitializationSettings settings) {
    this.vertx = vertx;
    this.pool = pool;
    this.provider = provider;
    this.baseUrl = baseUrl;
    this.settings = settings;
    this.backoff = new Backoff(settings.retryBase(), 2, settings.retryMax(), 0.2);
  }

  /** Initializes {@code organizationId}, creating only what is missing; fails only on a database failure. */
  Future<Outcome> initialize(String organizationId, String name, Mode mode) {
    return limited(() -> Organizations.markSeen(pool, organizationId, name)
      .compose(v -> withLease(organizationId, row -> {
        if (mode == Mode.SKIP_IF_INITIALIZED && "INITIALIZED".equals(row.getString("status"))) {
          return Future.succeededFuture(new Outcome(InitializationRecords.status(row), List.of(), 0, 0, null));
        }
        return reconcile(organizationId, name != null ? name : row.getString("name"), row);
      })));
  }

  /**
   * Brings an INITIALIZED organization's preconfigured endpoints to the current configuration, in place:
   * each is updated by its uid; one missing is created (with that uid). Answers a bulk result item
   * {@code {organizationId, status: UPDATED | FAILED | SKIPPED, error}}.
   */
  Future<JsonObject> updateEndpoints(String organizationId) {
    return limited(() -> withLease(organizationId, row -> {
      if (!"INITIALIZED".equals(row.getString("status"))) {
        return Future.succeededFuture(item(organizationId, "SKIPPED", "not initialized"));
      }
      Progress p = new Progress(InitializationRecords.endpointIds(row));
      String name = row.getString("name");
      Future<Void> chain = Future.succeededFuture();
      for (PreconfiguredEndpoints.Definition d : PreconfiguredEndpoints.ALL) {
        chain = chain.compose(v -> updateOne(organizationId, name, d, p));
      }
      return chain.transform(ar -> {
        if (ar.succeeded()) {
          return InitializationRecords.touch(pool, organizationId).map(r -> item(organizationId, "UPDATED", null));
        }
        if (!(ar.cause() instanceof ProviderFailure f)) {
          return Future.failedFuture(ar.cause());
        }
        // An endpoint found missing and not re-created: the organization is no longer fully initialized.
        Future<?> record = p.missing ? recordFailure(organizationId, f) : Future.succeededFuture();
        return record.map(r -> item(organizationId, "FAILED", f.detail()));
      });
    }));
  }

  static JsonObject item(String organizationId, String status, String error) {
    return new JsonObject().put("organizationId", organizationId).put("status", status).put("error", error);
  }

  // ------------------------------------------------------------------ turns

  /** Runs {@code run} when one of this node's {@code concurrency} slots is free. */
  private <T> Future<T> limited(Supplier<Future<T>> run) {
    Promise<T> promise = Promise.promise();
    Runnable start = () -> {
      running++;
      Future<T> f;
      try {
        f = run.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(ar -> {
        running--;
        Runnable next = waiting.poll();
        if (next != null) {
          next.run();
        }
        promise.handle(ar);
      });
    };
    if (running < settings.concurrency()) {
      start.run();
    } else {
      waiting.add(start);
    }
    return promise.future();
  }

  /**
   * Takes the organization's lease (waiting on a timer while another run holds it, at most {@code turnWait}),
   * runs {@code work} on the row as it is then, renewing the lease while it runs, and releases it.
   */
  private <T> Future<T> withLease(String organizationId, Function<Row, Future<T>> work) {
    String owner = UUID.randomUUID().toString();
    long leaseMs = settings.lease().toMillis();
    long giveUpAt = System.nanoTime() + settings.turnWait().toNanos();
    return acquire(organizationId, owner, leaseMs, giveUpAt).compose(row -> {
      long renewal = vertx.setPeriodic(Math.max(10, leaseMs / 3), id ->
        InitializationRecords.renewLease(pool, organizationId, owner, leaseMs)
          .onFailure(err -> LOG.warn("Renewing the initialization lease of {} failed: {}", organizationId, err.getMessage())));
      Future<T> result;
      try {
        result = work.apply(row);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      return result.transform(ar -> {
        vertx.cancelTimer(renewal);
        return InitializationRecords.releaseLease(pool, organizationId, owner)
          .transform(released -> ar.succeeded() ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause()));
      });
    });
  }

  private Future<Row> acquire(String organizationId, String owner, long leaseMs, long giveUpAt) {
    return InitializationRecords.acquireLease(pool, organizationId, owner, leaseMs).compose(row -> {
      if (row != null) {
        return Future.succeededFuture(row);
      }
      if (System.nanoTime() - giveUpAt > 0) {
        return Future.failedFuture(new ApiError(503, "Another initialization of organization '" + organizationId
          + "' is still running; try again later.", 1, null));
      }
      return vertx.timer(TURN_POLL_MS).compose(t -> acquire(organizationId, owner, leaseMs, giveUpAt));
    });
  }

  // ------------------------------------------------------------------ steps

  private Future<Outcome> reconcile(String org, String name, Row row) {
    Progress p = new Progress(InitializationRecords.endpointIds(row));
    Future<Void> work = provider.ensureApplication(org, name)
      .recover(err -> Future.failedFuture(context("Application", err)))
      .compose(app -> InitializationRecords.recordApplication(pool, org, app.id()));
    for (PreconfiguredEndpoints.Definition d : PreconfiguredEndpoints.ALL) {
      work = work.compose(v -> ensureEndpoint(org, name, d, p));
    }
    return work.transform(ar -> {
      if (ar.succeeded()) {
        return InitializationRecords.recordInitialized(pool, org)
          .map(r -> new Outcome(InitializationRecords.status(r), p.endpoints, p.created, p.existing, null));
      }
      if (ar.cause() instanceof ProviderFailure f) {
        LOG.warn("Initialization of organization {} failed: {}", org, f.detail());
        return recordFailure(org, f)
          .map(r -> new Outcome(InitializationRecords.status(r), p.endpoints, p.created, p.existing, f));
      }
      return Future.failedFuture(ar.cause());
    });
  }

  /** FAILED with the next retry chosen by the kind: soon when the provider was down, late when it refused. */
  private Future<Row> recordFailure(String org, ProviderFailure f) {
    return InitializationRecords.find(pool, org).compose(current -> {
      int failures = (current == null ? 0 : current.getInteger("retry_count")) + 1;
      long retryIn = f.kind().retryable() || f.kind() == Kind.NOT_FOUND
        ? backoff.delayMs(failures, f.retryAfterSeconds())
        : settings.retryMax().toMillis();
      return InitializationRecords.recordFailed(pool, org, f.detail(), retryIn);
    });
  }

  /** The endpoint exists when this completes: verified by uid when recorded, else created (DUPLICATE: fetched). */
  private Future<Void> ensureEndpoint(String org, String name, PreconfiguredEndpoints.Definition d, Progress p) {
    String stored = p.ids.getString(d.name());
    Future<Endpoint> endpoint;
    if (stored != null) {
      endpoint = provider.getEndpoint(org, d.uid())
        .map(ep -> {
          p.existing++;
          return ep;
        })
        .recover(err -> ProviderFailure.is(err, Kind.NOT_FOUND) ? create(org, name, d, p)
          : Future.failedFuture(context("Checking endpoint '" + d.name() + "'", err)));
    } else {
      endpoint = create(org, name, d, p);
    }
    return endpoint.compose(ep -> {
      p.endpoints.add(ep.toJson());
      return store(org, d, ep, p);
    });
  }

  private EndpointSpec spec(String org, PreconfiguredEndpoints.Definition d) {
    return new EndpointSpec(d.uid(), d.url(baseUrl, org), d.description(), d.eventTypes(), false, null);
  }

  private Future<Endpoint> create(String org, String name, PreconfiguredEndpoints.Definition d, Progress p) {
    return RealtimeEvents.ownEndpointChange(vertx, RealtimeEvents.ENDPOINT_CREATED, org, d.uid(),
        () -> provider.createEndpoint(org, name, spec(org, d)), Endpoint::toJson)
      .map(ep -> {
        p.created++;
        return ep;
      })
      .recover(err -> {
        if (ProviderFailure.is(err, Kind.DUPLICATE)) {
          // the provider has an endpoint with this uid already: that one is ours
          return provider.getEndpoint(org, d.uid()).map(ep -> {
            p.existing++;
            return ep;
          });
        }
        return Future.failedFuture(err);
      })
      .recover(err -> Future.failedFuture(context("Creating endpoint '" + d.name() + "'", err)));
  }

  private Future<Void> updateOne(String org, String name, PreconfiguredEndpoints.Definition d, Progress p) {
    return RealtimeEvents.ownEndpointChange(vertx, RealtimeEvents.ENDPOINT_UPDATED, org, d.uid(),
        () -> provider.updateEndpoint(org, d.uid(), spec(org, d)), Endpoint::toJson)
      .recover(err -> {
        if (!ProviderFailure.is(err, Kind.NOT_FOUND)) {
          return Future.failedFuture(context("Updating endpoint '" + d.name() + "'", err));
        }
        p.missing = true;
        return provider.ensureApplication(org, name)
          .recover(e -> Future.failedFuture(context("Application", e)))
          .compose(app -> InitializationRecords.recordApplication(pool, org, app.id()))
          .compose(v -> create(org, name, d, p))
          .onSuccess(ep -> p.missing = false);
      })
      .compose(ep -> store(org, d, ep, p));
  }

  /** Records the endpoint's provider id under its name (when it differs from the one recorded). */
  private Future<Void> store(String org, PreconfiguredEndpoints.Definition d, Endpoint ep, Progress p) {
    String id = ep.id();
    if (id == null || id.equals(p.ids.getString(d.name()))) {
      return Future.succeededFuture();
    }
    p.ids.put(d.name(), id);
    return InitializationRecords.recordEndpoint(pool, org, d.name(), id);
  }

  private static Throwable context(String what, Throwable err) {
    return err instanceof ProviderFailure f ? f.in(what) : err;
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
