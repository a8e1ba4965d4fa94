package io.daytona.webhooks.initialization;

import io.daytona.webhooks.OrganizationIds;
import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.events.DeadLetters;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.bus.ApiReply;
import io.daytona.webhooks.bus.ApiRequest;
import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.provider.Providers;
import io.daytona.webhooks.initialization.InitializationRecords.OrgRef;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Organization initialization: the provider's application and the preconfigured endpoints of each organization.
 *
 * <ul>
 *   <li>{@code organization.created} (clustered consumer, send or publish): records the organization, replies
 *   {@code {organizationId, status}}, then initializes it; a bad body is answered 400 and kept in
 *   {@code dead_letters}.</li>
 *   <li>REST: initializeOrganization, getInitializationStatus, createPreconfiguredEndpoints,
 *   getInitializationStats, retryFailedInitializations, updateAllEndpoints, listPreconfiguredEndpoints.</li>
 *   <li>A periodic job ({@code INIT_RETRY_INTERVAL_MS}) claims owed initializations whose
 *   {@code next_retry_at} has come (FAILED ones with exponential backoff {@code INIT_RETRY_BASE_MS} doubling up
 *   to {@code INIT_RETRY_MAX_MS}; PENDING ones an {@code organization.created} left unfinished) and runs them.</li>
 * </ul>
 */
public final class InitializationVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(InitializationVerticle.class);

  static final String OP_RETRY = "retry-failed-initializations";
  static final String OP_UPDATE = "update-all-endpoints";
  private static final int PAGE_SIZE = 100;
  private static final int PROGRESS_EVERY = 50;

  private final ServiceContext ctx;
  private Pool pool;
  private DeliveryProvider provider;
  private Initializer initializer;
  private int concurrency;
  private long leaseMs;
  private boolean jobRunning;

  public InitializationVerticle(ServiceContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    ServiceConfig config = ctx.config();
    pool = ctx.database().pool();
    provider = ctx.provider();
    ServiceConfig.InitializationSettings settings = config.initialization;
    long interval = settings.retryInterval().toMillis();
    // runs hold no connection while the provider works, but their short statements share the pool: a bounded share
    concurrency = settings.concurrency();
    // the retry job's claim: long enough for one whole run to end (or its lease to run out) before another node claims
    leaseMs = settings.turnWait().toMillis() * 2;
    initializer = new Initializer(vertx, pool, provider, config.preconfiguredEndpointBaseUrl, settings);

    List<Future<?>> registrations = new ArrayList<>(List.of(
      ApiConsumer.register(vertx, "listPreconfiguredEndpoints",
        req -> Future.succeededFuture(ApiReply.ok(PreconfiguredEndpoints.toJson(config.preconfiguredEndpointBaseUrl)))),
      ApiConsumer.register(vertx, "initializeOrganization", this::restInitialize),
      ApiConsumer.register(vertx, "getInitializationStatus", this::restStatus),
      ApiConsumer.register(vertx, "createPreconfiguredEndpoints", this::restPreconfigured),
      ApiConsumer.register(vertx, "getInitializationStats",
        req -> InitializationRecords.stats(pool).map(ApiReply::ok)),
      ApiConsumer.register(vertx, "retryFailedInitializations", req -> retryFailed().map(ApiReply::ok)),
      ApiConsumer.register(vertx, "updateAllEndpoints", req -> updateAll().map(ApiReply::ok)),
      vertx.eventBus().consumer(Addresses.ORGANIZATION_CREATED, this::onOrganizationCreated).completion()));
    return Future.all(registrations).onSuccess(v -> {
      if (provider.configured()) {
        vertx.setPeriodic(interval, interval, id -> retryDue());
      }
    });
  }

  // ------------------------------------------------------------------ organization.created

  private void onOrganizationCreated(Message<Object> msg) {
    JsonObject body;
    String org;
    String name;
    try {
      body = bodyOf(msg.body());
      int maxBytes = ctx.config().limits.maxPayloadBytes();
      if (body.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxBytes) {
        throw new ApiError(413, "body: larger than MAX_PAYLOAD_BYTES (" + maxBytes + " bytes)");
      }
      org = body.getValue("id") instanceof String s ? s : null;
      if (!OrganizationIds.valid(org)) {
        throw ApiError.badRequest("/id", "id is required and " + OrganizationIds.RULE);
      }
      Object n = body.getValue("name");
      if (n != null && !(n instanceof String)) {
        throw ApiError.badRequest("/name", "name must be a string");
      }
      name = n == null || ((String) n).isBlank() ? null : (String) n;
    } catch (ApiError e) {
      deadLetter(msg, e.detail()).onComplete(ar -> e.replyTo(msg));
      return;
    }
    InitializationRecords.recordCreated(pool, org, name, leaseMs)
      .onFailure(err -> {
        LOG.error("Recording organization {} failed", org, err);
        new ApiError(500, "The organization could not be recorded.").replyTo(msg);
      })
      .onSuccess(row -> {
        String status = row.getString("status");
        msg.reply(new JsonObject().put("organizationId", org).put("status", status));
        if (!provider.configured() || "INITIALIZED".equals(status)) {
          return;
        }
        initializer.initialize(org, name, Initializer.Mode.SKIP_IF_INITIALIZED)
          .onSuccess(o -> LOG.info("Organization {} initialization: {}", org, o.status().getString("status")))
          .onFailure(err -> LOG.warn("Initialization of organization {} did not run ({}); the retry job will take it up",
            org, err.toString()));
      });
  }

  private static JsonObject bodyOf(Object body) {
    if (body instanceof JsonObject o) {
      return o;
    }
    if (body instanceof String s) {
      try {
        return new JsonObject(s);
      } catch (RuntimeException e) {
        throw ApiError.badRequest("", "body must be a JSON object {id, name}");
      }
    }
    if (body instanceof io.vertx.core.buffer.Buffer b) {
      return bodyOf(b.toString());
    }
    throw ApiError.badRequest("", "body must be a JSON object {id, name}");
  }

  private Future<Void> deadLetter(Message<Object> msg, String reason) {
    return DeadLetters.keep(pool, Addresses.ORGANIZATION_CREATED, msg.headers(), msg.body(), reason);
  }


  // ------------------------------------------------------------------ REST

  private Future<JsonObject> restInitialize(ApiRequest req) {
    String org = req.organizationId();
    return requireSvix()
      .compose(v -> initializer.initialize(org, null, Initializer.Mode.VERIFY))
      .map(o -> ApiReply.ok(o.status()));
  }

  private Future<JsonObject> restStatus(ApiRequest req) {
    String org = req.organizationId();
    return InitializationRecords.find(pool, org)
      .map(row -> ApiReply.ok(row == null ? InitializationRecords.notInitialized(org) : InitializationRecords.status(row)));
  }

  private Future<JsonObject> restPreconfigured(ApiRequest req) {
    String org = req.organizationId();
    return requireSvix()
      .compose(v -> initializer.initialize(org, null, Initializer.Mode.VERIFY))
      .compose(o -> o.failure() != null
        ? Future.failedFuture(o.failure())
        : Future.succeededFuture(ApiReply.created(new JsonObject().put("endpoints", new JsonArray(new ArrayList<>(o.endpoints())))
          .put("created", o.created()).put("existing", o.existing()))));
  }

  private Future<Void> requireSvix() {
    return provider.configured() ? Future.succeededFuture()
      : Future.failedFuture(new ProviderFailure(ProviderFailure.Kind.NOT_CONFIGURED, "Svix is not configured: set "
        + "SVIX_AUTH_TOKEN (and SVIX_SERVER_URL for a self-hosted Svix)."));
  }

  // ------------------------------------------------------------------ bulk operations

  /** Retries every FAILED initialization now: {@code {attempted, succeeded, failed, results}}. */
  Future<JsonObject> retryFailed() {
    return requireSvix()
      .compose(v -> InitializationRecords.count(pool, "FAILED"))
      .compose(total -> new BulkRun(vertx, OP_RETRY, concurrency, PAGE_SIZE, PROGRESS_EVERY,
          (cursor, limit) -> InitializationRecords.page(pool, "FAILED", cursor, limit),
          org -> initializer.initialize(org.organizationId(), null, Initializer.Mode.SKIP_IF_INITIALIZED)
            .map(o -> Initializer.item(org.organizationId(), o.status().getString("status"),
              o.failure() == null ? null : o.failure().detail())))
        .run(total))
      .map(s -> new JsonObject().put("attempted", s.attempted()).put("succeeded", s.attempted() - s.failed())
        .put("failed", s.failed()).put("results", s.results()));
  }

  /** Brings every INITIALIZED organization's endpoints to the current configuration: {@code {attempted, updated, failed, results}}. */
  Future<JsonObject> updateAll() {
    return requireSvix()
      // every type an endpoint filters on is registered before the updates
      .compose(v -> provider.registerEventTypes(Providers.platformTypes()))
      .compose(v -> InitializationRecords.count(pool, "INITIALIZED"))
      .compose(total -> new BulkRun(vertx, OP_UPDATE, concurrency, PAGE_SIZE, PROGRESS_EVERY,
          (cursor, limit) -> InitializationRecords.page(pool, "INITIALIZED", cursor, limit),
          org -> initializer.updateEndpoints(org.organizationId()))
        .run(total))
      .map(s -> {
        int updated = 0;
        for (Object o : s.results()) {
          if ("UPDATED".equals(((JsonObject) o).getString("status"))) {
            updated++;
          }
        }
        return new JsonObject().put("attempted", s.attempted()).put("updated", updated).put("failed", s.failed())
          .put("results", s.results());
      });
  }

  /** The background job: claims the owed initializations that are due and runs them, batch after batch. */
  private void retryDue() {
    if (jobRunning) {
      return;
    }
    jobRunning = true;
    InitializationRecords.claimDue(pool, concurrency, leaseMs)
      .compose(claimed -> {
        List<Future<Initializer.Outcome>> runs = new ArrayList<>();
        for (OrgRef org : claimed) {
          runs.add(initializer.initialize(org.organizationId(), null, Initializer.Mode.SKIP_IF_INITIALIZED)
            .onSuccess(o -> LOG.info("Retried initialization of organization {}: {}", org.organizationId(),
              o.status().getString("status"))));
        }
        return Future.join(runs).map(all -> claimed.size());
      })
      .onComplete(ar -> {
        jobRunning = false;
        if (ar.failed()) {
          LOG.warn("Initialization retry job: {}", ar.cause().toString());
        } else if (ar.result() == concurrency) {
          vertx.runOnContext(v -> retryDue()); // more may be due
        }
      });
  }

}
