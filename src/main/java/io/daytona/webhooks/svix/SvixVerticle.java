package io.daytona.webhooks.svix;

import com.svix.Svix;
import com.svix.api.EndpointListOptions;
import com.svix.api.EventTypeListOptions;
import com.svix.api.Message;
import com.svix.api.MessageCreateOptions;
import com.svix.exceptions.ApiException;
import com.svix.models.ApplicationIn;
import com.svix.models.ApplicationOut;
import com.svix.models.EndpointIn;
import com.svix.models.EndpointOut;
import com.svix.models.EndpointUpdate;
import com.svix.models.EventTypeIn;
import com.svix.models.EventTypeUpdate;
import com.svix.models.ListResponseEndpointOut;
import com.svix.models.MessageIn;
import com.svix.models.MessageOut;
import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.bus.ApiConsumer;
import io.daytona.webhooks.bus.ApiError;
import io.daytona.webhooks.bus.ApiReply;
import io.daytona.webhooks.bus.ApiRequest;
import io.daytona.webhooks.bus.BusConsumer;
import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.events.EventTypes;
import io.daytona.webhooks.initialization.Organizations;
import io.daytona.webhooks.realtime.RealtimeEvents;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The only place that talks to Svix. Every SDK call (blocking, OkHttp) runs on the
 * {@code svix-sdk} worker pool with a deadline; the verticle itself answers on its event loop:
 * the internal {@code webhooks.svix.*} requests of the other verticles and the REST endpoint
 * operations. Event types are registered before any endpoint filters on them or any message uses
 * them, at start and again whenever Svix comes back after being unreachable.
 */
public final class SvixVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SvixVerticle.class);
  /** Default period of the health check that notices Svix coming back (key {@code SVIX_HEALTH_INTERVAL_MS}). */
  static final int DEFAULT_HEALTH_INTERVAL_MS = 15_000;

  private final ServiceContext ctx;
  private final Set<String> knownEventTypes = ConcurrentHashMap.newKeySet();
  private Svix svix;
  private WorkerExecutor workers;
  private long deadlineMs;
  private long healthIntervalMs;
  private boolean healthCheckRunning;
  private volatile boolean reachable;
  private volatile boolean platformTypesRegistered;

  private final Future<Svix> client;

  /** @param client the SDK client ({@link #buildClient}); its result is null when Svix is not configured */
  public SvixVerticle(ServiceContext ctx, Future<Svix> client) {
    this.ctx = ctx;
    this.client = client;
  }

  /**
   * Builds the service's SDK client on a worker thread (loading OkHttp, TLS and the SDK takes a few
   * hundred milliseconds, done while the database migrates); null when {@code SVIX_AUTH_TOKEN} is unset.
   */
  public static Future<Svix> buildClient(Vertx vertx, ServiceConfig config) {
    if (!config.svixEnabled()) {
      return Future.succeededFuture(null);
    }
    return vertx.executeBlocking(() -> SvixClientFactory.create(config.svixAuthToken, config.svixServerUrl,
      config.svixTimeout, workerThreads(config)), false);
  }

  private static int workerThreads(ServiceConfig config) {
    return config.integer("SVIX_WORKER_THREADS", 32, 1, 512);
  }

  /** Calls made to the SDK from an event-loop thread since start (for tests; must be 0). */
  public static long eventLoopCalls() {
    return SvixClientFactory.EVENT_LOOP_CALLS.get();
  }

  @Override
  public Future<?> start() {
    deadlineMs = ctx.config().svixTimeout.toMillis();
    healthIntervalMs = ctx.config().integer("SVIX_HEALTH_INTERVAL_MS", DEFAULT_HEALTH_INTERVAL_MS, 50, 3_600_000);
    return client.compose(built -> {
      svix = built;
      if (svix != null) {
        workers = vertx.createSharedWorkerExecutor("svix-sdk", workerThreads(ctx.config()));
      }
      return registerConsumers();
    }).onSuccess(v -> {
      if (svix != null) {
        checkHealth();
        vertx.setPeriodic(healthIntervalMs, id -> checkHealth());
      }
    });
  }

  private Future<?> registerConsumers() {
    List<Future<Void>> registrations = List.of(
      BusConsumer.register(vertx, Addresses.svix("health"), m -> health()),
      BusConsumer.register(vertx, Addresses.svix("ensureApplication"),
        m -> ensureApplication(m.getString("organizationId"), m.getString("name"))),
      BusConsumer.register(vertx, Addresses.svix("upsertEventTypes"), m -> ensureEventTypes(eventTypeMap(m))
        .map(n -> new JsonObject().put("registered", n))),
      BusConsumer.register(vertx, Addresses.svix("createEndpoint"), this::createEndpoint),
      BusConsumer.register(vertx, Addresses.svix("getEndpoint"),
        m -> getEndpoint(m.getString("organizationId"), m.getString("endpointId"))),
      BusConsumer.register(vertx, Addresses.svix("updateEndpoint"), this::updateEndpoint),
      BusConsumer.register(vertx, Addresses.svix("listEndpoints"), m -> listEndpoints(m.getString("organizationId"),
        m.getInteger("limit"), m.getString("iterator"))),
      BusConsumer.register(vertx, Addresses.svix("deleteEndpoint"),
        m -> deleteEndpoint(m.getString("organizationId"), m.getString("endpointId"))),
      BusConsumer.register(vertx, Addresses.svix("createMessage"), this::createMessage),
      ApiConsumer.register(vertx, "createEndpoint", this::restCreateEndpoint),
      ApiConsumer.register(vertx, "listEndpoints", this::restListEndpoints),
      ApiConsumer.register(vertx, "deleteEndpoint", this::restDeleteEndpoint));
    return Future.all(registrations);
  }

  @Override
  public Future<?> stop() {
    return workers == null ? Future.succeededFuture() : workers.close();
  }

  // ---------------------------------------------------------------- REST operations

  private Future<JsonObject> restCreateEndpoint(ApiRequest req) {
    JsonObject body = req.body();
    String org = req.organizationId();
    if (svix == null) {
      return Future.failedFuture(SvixErrors.notConfigured());
    }
    return Organizations.markSeen(ctx.database().pool(), org, null)
      .compose(v -> createEndpoint(new JsonObject()
        .put("organizationId", org)
        .put("url", body.getString("url"))
        .put("description", body.getString("description"))
        .put("eventTypes", body.getJsonArray("eventTypes"))))
      .map(ApiReply::created);
  }

  private Future<JsonObject> restListEndpoints(ApiRequest req) {
    Object limit = req.query("limit");
    return listEndpoints(req.organizationId(), limit == null ? 50 : ((Number) limit).intValue(),
      (String) req.query("iterator")).map(ApiReply::ok);
  }

  private Future<JsonObject> restDeleteEndpoint(ApiRequest req) {
    return deleteEndpoint(req.organizationId(), req.pathParam("endpointId"))
      .recover(err -> err instanceof ApiError e && e.status() == 404
        ? Future.failedFuture(ApiError.notFound("Organization '" + req.organizationId()
          + "' has no endpoint '" + req.pathParam("endpointId") + "'."))
        : Future.failedFuture(err))
      .map(v -> ApiReply.noContent());
  }

  // ---------------------------------------------------------------- operations

  private Future<JsonObject> health() {
    if (svix == null) {
      return Future.succeededFuture(new JsonObject().put("configured", false).put("reachable", false));
    }
    return call(() -> {
      EventTypeListOptions options = new EventTypeListOptions();
      options.setLimit(1L);
      svix.getEventType().list(options);
      return true;
    }).map(ok -> true).otherwise(false)
      .map(ok -> new JsonObject().put("configured", true).put("reachable", ok));
  }

  /**
   * Periodic health check (one at a time); while the platform event types are not known to be
   * registered (at start, and after any call found Svix unreachable) it registers them all again.
   */
  private void checkHealth() {
    if (healthCheckRunning) {
      return;
    }
    healthCheckRunning = true;
    health().compose(h -> {
      if (!h.getBoolean("reachable") || platformTypesRegistered) {
        return Future.succeededFuture();
      }
      knownEventTypes.clear();
      return ensureEventTypes(EventTypes.PLATFORM)
        .onSuccess(n -> {
          platformTypesRegistered = true;
          LOG.info("Svix reachable; {} platform event types registered", EventTypes.PLATFORM.size());
        })
        .onFailure(err -> LOG.warn("Registering event types with Svix failed: {}", err.getMessage()));
    }).onComplete(ar -> healthCheckRunning = false);
  }

  Future<JsonObject> ensureApplication(String organizationId, String name) {
    return call(() -> {
      ApplicationOut app = svix.getApplication().getOrCreate(new ApplicationIn()
        .uid(organizationId).name(name == null || name.isBlank() ? organizationId : name));
      return new JsonObject().put("id", app.getId()).put("uid", app.getUid()).put("name", app.getName());
    });
  }

  /** Registers (upserts) the event types not yet known to be registered; answers how many were sent. */
  Future<Integer> ensureEventTypes(Map<String, String> types) {
    Map<String, String> missing = new LinkedHashMap<>();
    types.forEach((name, description) -> {
      if (!knownEventTypes.contains(name)) {
        missing.put(name, description);
      }
    });
    if (missing.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<Future<Void>> upserts = new ArrayList<>();
    missing.forEach((name, description) -> upserts.add(call(() -> {
      upsertEventType(name, description == null ? "Custom event " + name : description);
      return null;
    }).map(v -> {
      knownEventTypes.add(name);
      return null;
    })));
    return Future.all(upserts).map(all -> missing.size());
  }

  private void upsertEventType(String name, String description) throws Exception {
    try {
      svix.getEventType().update(name, new EventTypeUpdate().description(description));
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      try {
        svix.getEventType().create(new EventTypeIn().name(name).description(description));
      } catch (ApiException conflict) {
        if (conflict.getCode() != 409) {
          throw conflict;
        }
      }
    }
  }

  /**
   * {@code {organizationId, url, description?, eventTypes?, uid?, applicationName?}}: ensures the
   * application and the event types, creates the endpoint, publishes {@code endpoint.created}.
   */
  private Future<JsonObject> createEndpoint(JsonObject m) {
    String org = m.getString("organizationId");
    List<String> types = strings(m.getJsonArray("eventTypes"));
    return ensureApplication(org, m.getString("applicationName"))
      .compose(app -> withEventTypes(types, () -> {
        EndpointIn in = new EndpointIn().url(URI.create(m.getString("url")))
          .description(Objects.requireNonNullElse(m.getString("description"), ""));
        if (!types.isEmpty()) {
          in.filterTypes(new LinkedHashSet<>(types));
        }
        if (m.getString("uid") != null) {
          in.uid(m.getString("uid"));
        }
        return EndpointJson.from(svix.getEndpoint().create(org, in));
      }))
      .onSuccess(ep -> RealtimeEvents.publishOwnEndpointChange(vertx, RealtimeEvents.ENDPOINT_CREATED, org, ep));
  }

  /** {@code {organizationId, endpointId (id or uid), url, description?, eventTypes?, uid?}}: updates in place. */
  private Future<JsonObject> updateEndpoint(JsonObject m) {
    String org = m.getString("organizationId");
    List<String> types = strings(m.getJsonArray("eventTypes"));
    return withEventTypes(types, () -> {
      EndpointUpdate update = new EndpointUpdate().url(URI.create(m.getString("url")))
        .description(Objects.requireNonNullElse(m.getString("description"), ""));
      if (!types.isEmpty()) {
        update.filterTypes(new LinkedHashSet<>(types));
      }
      if (m.getString("uid") != null) {
        update.uid(m.getString("uid"));
      }
      return EndpointJson.from(svix.getEndpoint().update(org, m.getString("endpointId"), update));
    }).onSuccess(ep -> RealtimeEvents.publishOwnEndpointChange(vertx, RealtimeEvents.ENDPOINT_UPDATED, org, ep));
  }

  /**
   * Registers {@code types} (those not yet known) and then makes the endpoint call. Should Svix still
   * answer 422 (an event type it no longer knows although this node remembered it as registered),
   * the types are registered again and the call repeated once: a 422 means nothing was changed.
   */
  private Future<JsonObject> withEventTypes(List<String> types, Callable<JsonObject> sdkCall) {
    return ensureEventTypes(customTypes(types))
      .compose(n -> call(sdkCall))
      .recover(err -> {
        if (!types.isEmpty() && err instanceof ApiError e && Integer.valueOf(422).equals(e.upstreamStatus())) {
          types.forEach(knownEventTypes::remove);
          return ensureEventTypes(customTypes(types)).compose(n -> call(sdkCall));
        }
        return Future.failedFuture(err);
      });
  }

  private Future<JsonObject> getEndpoint(String org, String endpointId) {
    return call(() -> EndpointJson.from(svix.getEndpoint().get(org, endpointId)));
  }

  private Future<JsonObject> listEndpoints(String org, Integer limit, String iterator) {
    return call(() -> {
      EndpointListOptions options = new EndpointListOptions();
      options.setLimit((long) (limit == null ? 50 : limit));
      if (iterator != null) {
        options.setIterator(iterator);
      }
      ListResponseEndpointOut page = svix.getEndpoint().list(org, options);
      JsonArray data = new JsonArray();
      page.getData().forEach(ep -> data.add(EndpointJson.from(ep)));
      boolean done = Boolean.TRUE.equals(page.getDone());
      return new JsonObject().put("data", data).put("iterator", done ? null : page.getIterator()).put("done", done);
    }).recover(err -> err instanceof ApiError e && e.status() == 404
      // no Svix application yet: the organization has no endpoints
      ? Future.succeededFuture(new JsonObject().put("data", new JsonArray()).putNull("iterator").put("done", true))
      : Future.failedFuture(err));
  }

  private Future<JsonObject> deleteEndpoint(String org, String endpointId) {
    return call(() -> {
      svix.getEndpoint().delete(org, endpointId);
      return new JsonObject().put("id", endpointId);
    }).onSuccess(data -> RealtimeEvents.publishOwnEndpointChange(vertx, RealtimeEvents.ENDPOINT_DELETED, org, data));
  }

  /**
   * {@code {organizationId, eventType, eventId, payload (raw JSON text), idempotencyKey?, applicationName?}}:
   * creates the Svix message; a missing application is created and the call repeated once.
   * Answers {@code {id, eventId}}; fails 409 when Svix already has that eventId.
   */
  private Future<JsonObject> createMessage(JsonObject m) {
    String org = m.getString("organizationId");
    String type = m.getString("eventType");
    return ensureEventTypes(customTypes(List.of(type)))
      .compose(n -> sendMessage(m))
      .recover(err -> {
        if (err instanceof ApiError e && e.status() == 404) {
          return ensureApplication(org, m.getString("applicationName")).compose(app -> sendMessage(m));
        }
        return Future.failedFuture(err);
      });
  }

  private Future<JsonObject> sendMessage(JsonObject m) {
    return call(() -> {
      MessageIn in = Message.messageInRaw(m.getString("payload"))
        .eventType(m.getString("eventType"))
        .eventId(m.getString("eventId"));
      MessageCreateOptions options = new MessageCreateOptions();
      if (m.getString("idempotencyKey") != null) {
        options.setIdempotencyKey(m.getString("idempotencyKey"));
      }
      MessageOut out = svix.getMessage().create(m.getString("organizationId"), in, options);
      return new JsonObject().put("id", out.getId()).put("eventId", out.getEventId());
    });
  }

  // ---------------------------------------------------------------- plumbing

  /** Runs one blocking SDK call on the worker pool, bounded by the deadline. */
  private <T> Future<T> call(Callable<T> sdkCall) {
    if (svix == null) {
      return Future.failedFuture(SvixErrors.notConfigured());
    }
    Promise<T> promise = Promise.promise();
    long expires = System.nanoTime() + deadlineMs * 1_000_000L;
    long timer = vertx.setTimer(deadlineMs + 250, t -> promise.tryFail(SvixErrors.timeout(deadlineMs)));
    workers.<T>executeBlocking(() -> {
      if (System.nanoTime() - expires > 0) {
        // waited in the queue of the bounded pool past its deadline: the caller has had its 504
        throw SvixErrors.timeout(deadlineMs);
      }
      try {
        return sdkCall.call();
      } catch (Exception e) {
        throw SvixErrors.map(e, deadlineMs);
      }
    }, false).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        reachable = true;
        promise.tryComplete(ar.result());
      } else {
        ApiError error = SvixErrors.map(ar.cause(), deadlineMs);
        if (error.upstreamStatus() == null || error.upstreamStatus() >= 500) {
          if (reachable) {
            LOG.warn("Svix became unreachable: {}", error.detail());
          }
          reachable = false;
          platformTypesRegistered = false;
        }
        promise.tryFail(error);
      }
    });
    return promise.future();
  }

  /** Custom event types (not platform ones, which are registered with their own descriptions). */
  private static Map<String, String> customTypes(List<String> names) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String n : names) {
      out.put(n, EventTypes.PLATFORM.get(n));
    }
    return out;
  }

  private static Map<String, String> eventTypeMap(JsonObject m) {
    Map<String, String> out = new LinkedHashMap<>();
    JsonArray list = m.getJsonArray("eventTypes", new JsonArray());
    for (Object o : list) {
      if (o instanceof JsonObject t) {
        out.put(t.getString("name"), t.getString("description"));
      } else if (o instanceof String s) {
        out.put(s, EventTypes.PLATFORM.get(s));
      }
    }
    return out;
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(o -> out.add(String.valueOf(o)));
    }
    return out;
  }
}
