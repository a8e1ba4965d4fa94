package io.daytona.webhooks.provider.svix;

import io.daytona.webhooks.Contexts;
import com.svix.Svix;
import com.svix.api.EndpointListOptions;
import com.svix.api.EventTypeListOptions;
import com.svix.api.MessageAttemptListByEndpointOptions;
import com.svix.api.MessageAttemptListByMsgOptions;
import com.svix.api.MessageCreateOptions;
import com.svix.api.MessageListOptions;
import com.svix.exceptions.ApiException;
import com.svix.models.AppPortalAccessIn;
import com.svix.models.AppPortalAccessOut;
import com.svix.models.ApplicationIn;
import com.svix.models.ApplicationOut;
import com.svix.models.EmptyResponse;
import com.svix.models.EndpointIn;
import com.svix.models.EndpointOut;
import com.svix.models.EndpointSecretRotateIn;
import com.svix.models.EndpointUpdate;
import com.svix.models.EventExampleIn;
import com.svix.models.EventTypeIn;
import com.svix.models.EventTypeUpdate;
import com.svix.models.ListResponseEndpointOut;
import com.svix.models.ListResponseMessageAttemptOut;
import com.svix.models.ListResponseMessageOut;
import com.svix.models.MessageAttemptOut;
import com.svix.models.MessageAttemptTriggerType;
import com.svix.models.MessageIn;
import com.svix.models.MessageOut;
import com.svix.models.MessageStatus;
import com.svix.models.RecoverIn;
import io.daytona.webhooks.config.ServiceConfig.SvixSettings;
import io.daytona.webhooks.provider.Application;
import io.daytona.webhooks.provider.Attempt;
import io.daytona.webhooks.provider.AttemptQuery;
import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.Endpoint;
import io.daytona.webhooks.provider.EndpointPatch;
import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.provider.EventType;
import io.daytona.webhooks.provider.Message;
import io.daytona.webhooks.provider.MessageQuery;
import io.daytona.webhooks.provider.NewMessage;
import io.daytona.webhooks.provider.Page;
import io.daytona.webhooks.provider.PageRequest;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.provider.ProviderFailure.Kind;
import io.daytona.webhooks.provider.ProviderHealth;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import okhttp3.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The delivery provider Svix: the only user of the Svix SDK. Every SDK call (blocking, OkHttp) runs on the
 * bounded {@code svix-sdk} worker pool ({@code SVIX_WORKER_THREADS}) under one deadline
 * ({@code SVIX_TIMEOUT_MS}), computed once when the call is made: a call still queued when it passes is never
 * sent, and the caller has its TIMEOUT at that instant whatever the worker does. Failures are
 * {@link ProviderFailure}s ({@link SvixFailures}); only UNAVAILABLE and TIMEOUT say that Svix is down (the
 * health's {@code reachable} turns false and the platform event types are registered again once it is back):
 * a caller's bad input never does.
 *
 * <p>Event types are upserted (with their JSON schema as Svix's version "1") before any endpoint filters on them
 * or any message uses them; this provider remembers what it registered. A health check every
 * {@code SVIX_HEALTH_INTERVAL_MS} lists one event type (not Svix's {@code /health}, which fails against
 * self-hosted servers that answer 200 with a body).
 */
public final class SvixProvider implements DeliveryProvider {

  private static final Logger LOG = LoggerFactory.getLogger(SvixProvider.class);

  private final Vertx vertx;
  private final SvixSettings settings;
  private final List<EventType> platformTypes;
  private final long deadlineMs;
  private final Set<String> knownEventTypes = ConcurrentHashMap.newKeySet();
  private final Future<Svix> client;
  private Svix svix;
  private WorkerExecutor workers;
  private volatile boolean reachable;
  private volatile boolean platformTypesRegistered;
  private boolean healthCheckRunning;

  /**
   * @param platformTypes the event types registered at start and whenever Svix comes back after an outage
   */
  public SvixProvider(Vertx vertx, SvixSettings settings, List<EventType> platformTypes) {
    this.vertx = vertx;
    this.settings = settings;
    this.platformTypes = List.copyOf(platformTypes);
    this.deadlineMs = settings.callDeadline().toMillis();
    if (!settings.configured()) {
      client = Future.succeededFuture(null);
      return;
    }
    workers = vertx.createSharedWorkerExecutor("svix-sdk", settings.workerThreads());
    client = vertx.executeBlocking(() -> SvixClientFactory.create(settings.token(), settings.serverUrl(),
      settings.callDeadline(), settings.workerThreads()), false);
    client.onSuccess(built -> {
      svix = built;
      checkHealth();
      vertx.setPeriodic(settings.healthInterval().toMillis(), id -> checkHealth());
    }).onFailure(err -> LOG.error("The Svix client could not be built", err));
  }

  /** Loads the SDK's classes (OkHttp, TLS, Jackson) on a worker thread, so that building the client later is quick. */
  public static Future<Void> warmUp(Vertx vertx, SvixSettings settings) {
    if (!settings.configured()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      SvixClientFactory.create(settings.token(), settings.serverUrl(), settings.callDeadline(), 1);
      return null;
    }, false).<Void>mapEmpty().otherwiseEmpty();
  }

  /** Calls made to the SDK from an event-loop thread since start (for tests; must be 0). */
  public static long eventLoopCalls() {
    return SvixClientFactory.EVENT_LOOP_CALLS.get();
  }

  @Override
  public String name() {
    return "svix";
  }

  @Override
  public boolean configured() {
    return settings.configured();
  }

  // ---------------------------------------------------------------- health

  @Override
  public Future<ProviderHealth> health() {
    if (!configured()) {
      return Future.succeededFuture(new ProviderHealth(false, false));
    }
    return call(s -> {
      EventTypeListOptions options = new EventTypeListOptions();
      options.setLimit(1L);
      s.getEventType().list(options);
      return true;
    }).map(ok -> new ProviderHealth(true, true))
      .otherwise(err -> new ProviderHealth(true, false));
  }

  /**
   * Periodic health check (one at a time); while the platform event types are not known to be registered
   * (at start, and after any call found Svix down) it registers them all again.
   */
  private void checkHealth() {
    if (healthCheckRunning) {
      return;
    }
    healthCheckRunning = true;
    health().compose(h -> {
      if (!h.reachable() || platformTypesRegistered) {
        return Future.succeededFuture();
      }
      knownEventTypes.clear();
      return registerEventTypes(platformTypes)
        .onSuccess(n -> {
          platformTypesRegistered = true;
          LOG.info("Svix reachable; {} platform event types registered", platformTypes.size());
        })
        .onFailure(err -> LOG.warn("Registering event types with Svix failed: {}", err.getMessage()));
    }).onComplete(ar -> healthCheckRunning = false);
  }

  // ---------------------------------------------------------------- applications and event types

  @Override
  public Future<Application> ensureApplication(String organizationId, String name) {
    return call(s -> {
      ApplicationOut app = s.getApplication().getOrCreate(new ApplicationIn()
        .uid(organizationId).name(name == null || name.isBlank() ? organizationId : name));
      return new Application(app.getId(), app.getUid(), app.getName());
    });
  }

  @Override
  public Future<Void> registerEventTypes(List<EventType> types) {
    Map<String, EventType> missing = new LinkedHashMap<>();
    for (EventType t : types) {
      if (!knownEventTypes.contains(t.name())) {
        missing.put(t.name(), t);
      }
    }
    if (missing.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<Void>> upserts = new ArrayList<>();
    missing.values().forEach(t -> upserts.add(call(s -> {
      upsertEventType(s, t);
      return null;
    }).map(v -> {
      knownEventTypes.add(t.name());
      return null;
    })));
    return Future.all(upserts).mapEmpty();
  }

  private static void upsertEventType(Svix s, EventType t) throws Exception {
    String description = t.description() == null ? "Custom event " + t.name() : t.description();
    Object schemas = schemas(t);
    try {
      EventTypeUpdate update = new EventTypeUpdate().description(description);
      if (schemas != null) {
        update.schemas(schemas);
      }
      s.getEventType().update(t.name(), update);
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      try {
        EventTypeIn in = new EventTypeIn().name(t.name()).description(description);
        if (schemas != null) {
          in.schemas(schemas);
        }
        s.getEventType().create(in);
      } catch (ApiException conflict) {
        if (conflict.getCode() != 409) {
          throw conflict;
        }
      }
    }
  }

  /** Svix's {@code schemas}: {@code {"1": schema}}, the example added as the schema's {@code examples} (send-example uses it). */
  static Object schemas(EventType t) {
    if (t.schema() == null) {
      return null;
    }
    JsonObject schema = t.schema().copy();
    if (t.example() != null && !schema.containsKey("examples")) {
      schema.put("examples", new io.vertx.core.json.JsonArray().add(t.example()));
    }
    return Map.of("1", plain(schema));
  }

  /** JSON as plain maps and lists (the SDK's own Jackson would write a JsonObject as a bean). */
  private static Object plain(Object v) {
    if (v instanceof JsonObject o) {
      Map<String, Object> out = new LinkedHashMap<>();
      o.forEach(e -> out.put(e.getKey(), plain(e.getValue())));
      return out;
    }
    if (v instanceof io.vertx.core.json.JsonArray a) {
      List<Object> out = new ArrayList<>();
      a.forEach(x -> out.add(plain(x)));
      return out;
    }
    return v;
  }

  /** The types an endpoint or a message names: a platform type with its schema, any other as a custom type. */
  private List<EventType> typesNamed(List<String> names) {
    List<EventType> out = new ArrayList<>();
    for (String n : names) {
      out.add(platformTypes.stream().filter(t -> t.name().equals(n)).findFirst().orElse(EventType.custom(n)));
    }
    return out;
  }

  // ---------------------------------------------------------------- endpoints

  @Override
  public Future<Endpoint> createEndpoint(String organizationId, String applicationName, EndpointSpec spec) {
    URI url;
    try {
      url = url(spec.url());
    } catch (ProviderFailure f) {
      return Future.failedFuture(f);
    }
    return ensureApplication(organizationId, applicationName)
      .compose(app -> withEventTypes(spec.eventTypes(), s -> {
        EndpointIn in = new EndpointIn().url(url).description(spec.description());
        if (!spec.eventTypes().isEmpty()) {
          in.filterTypes(new LinkedHashSet<>(spec.eventTypes()));
        }
        if (spec.uid() != null) {
          in.uid(spec.uid());
        }
        if (spec.disabled()) {
          in.disabled(true);
        }
        if (spec.secret() != null) {
          in.secret(spec.secret());
        }
        return endpoint(s.getEndpoint().create(organizationId, in));
      }));
  }

  @Override
  public Future<Endpoint> getEndpoint(String organizationId, String endpointId) {
    return call(s -> endpoint(s.getEndpoint().get(organizationId, endpointId)));
  }

  @Override
  public Future<Page<Endpoint>> listEndpoints(String organizationId, PageRequest page) {
    return this.<Page<Endpoint>>call(s -> {
      EndpointListOptions options = new EndpointListOptions();
      options.setLimit((long) page.limit());
      if (page.iterator() != null) {
        options.setIterator(page.iterator());
      }
      ListResponseEndpointOut out = s.getEndpoint().list(organizationId, options);
      return page(out.getData(), out.getIterator(), out.getDone(), SvixProvider::endpoint);
    }).recover(err -> ProviderFailure.is(err, Kind.NOT_FOUND)
      // no application yet: the organization has no endpoints
      ? Future.succeededFuture(Page.empty())
      : Future.failedFuture(err));
  }

  @Override
  public Future<Endpoint> updateEndpoint(String organizationId, String endpointId, EndpointSpec spec) {
    URI url;
    try {
      url = url(spec.url());
    } catch (ProviderFailure f) {
      return Future.failedFuture(f);
    }
    return withEventTypes(spec.eventTypes(), s -> {
      EndpointUpdate update = new EndpointUpdate().url(url).description(spec.description()).disabled(spec.disabled());
      if (!spec.eventTypes().isEmpty()) {
        update.filterTypes(new LinkedHashSet<>(spec.eventTypes()));
      }
      if (spec.uid() != null) {
        update.uid(spec.uid());
      }
      return endpoint(s.getEndpoint().update(organizationId, endpointId, update));
    });
  }

  @Override
  public Future<Endpoint> patchEndpoint(String organizationId, String endpointId, EndpointPatch patch) {
    URI url;
    try {
      url = patch.url() == null ? null : url(patch.url());
    } catch (ProviderFailure f) {
      return Future.failedFuture(f);
    }
    List<String> types = patch.eventTypesSet() ? patch.eventTypes() : List.of();
    return withEventTypes(types, s -> {
      com.svix.models.EndpointPatch p = new com.svix.models.EndpointPatch();
      if (url != null) {
        p.url(url);
      }
      if (patch.description() != null) {
        p.description(patch.description());
      }
      if (patch.disabled() != null) {
        p.disabled(patch.disabled());
      }
      if (patch.eventTypesSet()) {
        // given as null or empty: every type (Svix's filterTypes null)
        p.filterTypes(patch.eventTypes().isEmpty() ? null : new LinkedHashSet<>(patch.eventTypes()));
      }
      return endpoint(s.getEndpoint().patch(organizationId, endpointId, p));
    });
  }

  @Override
  public Future<Void> deleteEndpoint(String organizationId, String endpointId) {
    return call(s -> {
      s.getEndpoint().delete(organizationId, endpointId);
      return null;
    });
  }

  @Override
  public Future<String> endpointSecret(String organizationId, String endpointId) {
    return call(s -> s.getEndpoint().getSecret(organizationId, endpointId).getKey());
  }

  @Override
  public Future<Void> rotateEndpointSecret(String organizationId, String endpointId, String key) {
    return call(s -> {
      EndpointSecretRotateIn in = new EndpointSecretRotateIn();
      if (key != null) {
        in.key(key);
      }
      s.getEndpoint().rotateSecret(organizationId, endpointId, in);
      return null;
    });
  }

  @Override
  public Future<Message> sendExample(String organizationId, String endpointId, EventType type) {
    return registerEventTypes(List.of(type))
      .compose(v -> call(s -> message(s.getEndpoint().sendExample(organizationId, endpointId,
        new EventExampleIn().eventType(type.name())))));
  }

  @Override
  public Future<Void> recover(String organizationId, String endpointId, Instant since, Instant until) {
    return call(s -> {
      RecoverIn in = new RecoverIn().since(odt(since));
      if (until != null) {
        in.until(odt(until));
      }
      s.getEndpoint().recover(organizationId, endpointId, in);
      return null;
    });
  }

  /**
   * Registers {@code types} (those not yet known) and then makes the endpoint call. Should Svix still answer 422
   * (an event type it no longer knows although this provider remembered it as registered), the types are
   * registered again and the call repeated once: a 422 means nothing was changed.
   */
  private Future<Endpoint> withEventTypes(List<String> types, SdkCall<Endpoint> sdkCall) {
    List<EventType> named = typesNamed(types);
    return registerEventTypes(named)
      .compose(n -> call(sdkCall))
      .recover(err -> {
        if (!types.isEmpty() && err instanceof ProviderFailure f && Integer.valueOf(422).equals(f.upstreamStatus())) {
          types.forEach(knownEventTypes::remove);
          return registerEventTypes(named).compose(n -> call(sdkCall));
        }
        return Future.failedFuture(err);
      });
  }

  // ---------------------------------------------------------------- messages and attempts

  @Override
  public Future<Message> createMessage(String organizationId, String applicationName, NewMessage message) {
    return registerEventTypes(typesNamed(List.of(message.eventType())))
      .compose(n -> send(organizationId, message))
      .recover(err -> {
        if (ProviderFailure.is(err, Kind.NOT_FOUND)) {
          // no application yet: created, and the message sent again
          return ensureApplication(organizationId, applicationName).compose(app -> send(organizationId, message));
        }
        return Future.failedFuture(err);
      });
  }

  private Future<Message> send(String organizationId, NewMessage m) {
    return call(s -> {
      // MessageIn.payload is a raw JSON string: messageInRaw sends the text as it is
      MessageIn in = com.svix.api.Message.messageInRaw(m.payload()).eventType(m.eventType());
      if (m.eventId() != null) {
        in.eventId(m.eventId());
      }
      MessageCreateOptions options = new MessageCreateOptions();
      if (m.idempotencyKey() != null) {
        options.setIdempotencyKey(m.idempotencyKey());
      }
      MessageOut out = s.getMessage().create(organizationId, in, options);
      return new Message(out.getId(), out.getEventId(), out.getEventType(), m.payload(), instant(out.getTimestamp()));
    });
  }

  @Override
  public Future<Page<Message>> listMessages(String organizationId, MessageQuery query) {
    return this.<Page<Message>>call(s -> {
      MessageListOptions options = new MessageListOptions();
      options.setLimit((long) query.page().limit());
      if (query.page().iterator() != null) {
        options.setIterator(query.page().iterator());
      }
      if (query.eventType() != null) {
        options.setEventTypes(Set.of(query.eventType()));
      }
      if (query.before() != null) {
        options.setBefore(odt(query.before()));
      }
      if (query.after() != null) {
        options.setAfter(odt(query.after()));
      }
      ListResponseMessageOut out = s.getMessage().list(organizationId, options);
      return page(out.getData(), out.getIterator(), out.getDone(), SvixProvider::message);
    }).recover(err -> ProviderFailure.is(err, Kind.NOT_FOUND)
      ? Future.succeededFuture(Page.empty())
      : Future.failedFuture(err));
  }

  @Override
  public Future<Message> getMessage(String organizationId, String messageId) {
    // Svix's path takes the message's id or its eventId
    return call(s -> message(s.getMessage().get(organizationId, messageId)));
  }

  @Override
  public Future<Page<Attempt>> listAttemptsByMessage(String organizationId, String messageId, AttemptQuery query) {
    return call(s -> {
      MessageAttemptListByMsgOptions options = new MessageAttemptListByMsgOptions();
      options.setLimit((long) query.page().limit());
      if (query.page().iterator() != null) {
        options.setIterator(query.page().iterator());
      }
      if (query.status() != null) {
        options.setStatus(status(query.status()));
      }
      ListResponseMessageAttemptOut out = s.getMessageAttempt().listByMsg(organizationId, messageId, options);
      return page(out.getData(), out.getIterator(), out.getDone(), SvixProvider::attempt);
    });
  }

  @Override
  public Future<Page<Attempt>> listAttemptsByEndpoint(String organizationId, String endpointId, AttemptQuery query) {
    return call(s -> {
      MessageAttemptListByEndpointOptions options = new MessageAttemptListByEndpointOptions();
      options.setLimit((long) query.page().limit());
      if (query.page().iterator() != null) {
        options.setIterator(query.page().iterator());
      }
      if (query.status() != null) {
        options.setStatus(status(query.status()));
      }
      ListResponseMessageAttemptOut out = s.getMessageAttempt().listByEndpoint(organizationId, endpointId, options);
      return page(out.getData(), out.getIterator(), out.getDone(), SvixProvider::attempt);
    });
  }

  @Override
  public Future<Void> resend(String organizationId, String messageId, String endpointId) {
    return call(s -> {
      // MessageAttempt.resend builds a POST without a body, which OkHttp refuses: the same request with {}
      var url = s.getHttpClient().newUrlBuilder()
        .encodedPath(String.format("/api/v1/app/%s/msg/%s/endpoint/%s/resend", organizationId, messageId, endpointId))
        .build();
      s.getHttpClient().executeRequest("POST", url, Headers.of(), Map.of(), EmptyResponse.class);
      return null;
    });
  }

  // ---------------------------------------------------------------- portal

  @Override
  public Future<String> portalLink(String organizationId) {
    return call(s -> {
      AppPortalAccessOut out = s.getAuthentication().appPortalAccess(organizationId, new AppPortalAccessIn());
      return out == null || out.getUrl() == null || out.getUrl().toString().isBlank() ? null : out.getUrl().toString();
    });
  }

  // ---------------------------------------------------------------- mapping

  /** A URL Svix can be given; one that matches the contract's pattern but cannot be parsed is the caller's input. */
  static URI url(String url) {
    try {
      URI uri = new URI(url);
      if (uri.getHost() == null || uri.getScheme() == null) {
        throw ProviderFailure.inputRejected("/url", "url is not a valid URL (no host can be read from it): " + url);
      }
      return uri;
    } catch (URISyntaxException | NullPointerException e) {
      throw ProviderFailure.inputRejected("/url", "url is not a valid URL: " + (url == null ? "missing"
        : e instanceof URISyntaxException u ? u.getReason() + " at index " + u.getIndex() : url));
    }
  }

  static Endpoint endpoint(EndpointOut ep) {
    return new Endpoint(ep.getId(), ep.getUid(), ep.getUrl() == null ? null : ep.getUrl().toString(), ep.getDescription(),
      ep.getFilterTypes() == null ? List.of() : new ArrayList<>(ep.getFilterTypes()),
      Boolean.TRUE.equals(ep.getDisabled()), instant(ep.getCreatedAt()), instant(ep.getUpdatedAt()));
  }

  static Message message(MessageOut m) {
    return new Message(m.getId(), m.getEventId(), m.getEventType(), m.getPayload() == null ? null : Json.encode(m.getPayload()),
      instant(m.getTimestamp()));
  }

  static Attempt attempt(MessageAttemptOut a) {
    String response = a.getResponse();
    if (response != null && response.length() > Attempt.MAX_RESPONSE) {
      response = response.substring(0, Attempt.MAX_RESPONSE);
    }
    return new Attempt(a.getId(), a.getMsgId(), a.getEndpointId(), a.getUrl() == null ? null : a.getUrl().toString(),
      status(a.getStatus()), a.getResponseStatusCode() == null ? 0 : a.getResponseStatusCode(), response,
      a.getResponseDurationMs() == null ? 0 : a.getResponseDurationMs(),
      a.getTriggerType() == MessageAttemptTriggerType.MANUAL ? Attempt.Trigger.MANUAL : Attempt.Trigger.SCHEDULED,
      instant(a.getTimestamp()));
  }

  /** Svix's attempt status (0 success, 1 pending, 2 failed, 3 sending, 4 canceled) as ours. */
  static Attempt.Status status(MessageStatus s) {
    if (s == null) {
      return Attempt.Status.PENDING;
    }
    return switch (s) {
      case SUCCESS -> Attempt.Status.SUCCESS;
      case PENDING -> Attempt.Status.PENDING;
      case SENDING -> Attempt.Status.SENDING;
      case FAIL, CANCELED -> Attempt.Status.FAILED;
    };
  }

  static MessageStatus status(Attempt.Status s) {
    return switch (s) {
      case SUCCESS -> MessageStatus.SUCCESS;
      case PENDING -> MessageStatus.PENDING;
      case FAILED -> MessageStatus.FAIL;
      case SENDING -> MessageStatus.SENDING;
    };
  }

  private static <S, T> Page<T> page(List<S> data, String iterator, Boolean done, Function<S, T> map) {
    List<T> out = new ArrayList<>();
    if (data != null) {
      data.forEach(d -> out.add(map.apply(d)));
    }
    boolean finished = Boolean.TRUE.equals(done);
    return new Page<>(out, finished ? null : iterator, finished);
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }

  private static OffsetDateTime odt(Instant t) {
    return t.atOffset(ZoneOffset.UTC);
  }

  // ---------------------------------------------------------------- plumbing

  /** One blocking SDK call. */
  @FunctionalInterface
  private interface SdkCall<T> {
    T call(Svix svix) throws Exception;
  }

  /**
   * Runs one blocking SDK call on the worker pool under one deadline, computed here: the caller's TIMEOUT fires
   * at that instant, a call still queued then is never sent, and OkHttp's own call timeout is the same length.
   */
  private <T> Future<T> call(SdkCall<T> sdkCall) {
    if (!configured()) {
      return Future.failedFuture(SvixFailures.notConfigured());
    }
    // the client's future belongs to the context that built it: without this, the caller's callbacks ran there
    return Contexts.on(Vertx.currentContext(), client.compose(s -> {
      if (s == null) {
        return Future.failedFuture(new ProviderFailure(Kind.UNAVAILABLE, "The Svix client could not be built."));
      }
      Promise<T> promise = Promise.promise();
      long expires = System.nanoTime() + deadlineMs * 1_000_000L;
      long timer = vertx.setTimer(deadlineMs, t -> promise.tryFail(SvixFailures.timeout(deadlineMs)));
      Callable<T> blocking = () -> {
        if (System.nanoTime() - expires > 0) {
          // waited in the queue of the bounded pool past its deadline: the caller has had its TIMEOUT
          throw SvixFailures.timeout(deadlineMs);
        }
        try {
          return sdkCall.call(s);
        } catch (Exception e) {
          throw SvixFailures.from(e, SvixClientFactory.LAST_RETRY_AFTER.get(), deadlineMs);
        }
      };
      workers.executeBlocking(blocking, false).onComplete(ar -> {
        vertx.cancelTimer(timer);
        if (ar.succeeded()) {
          reachable = true;
          promise.tryComplete(ar.result());
        } else {
          ProviderFailure failure = SvixFailures.from(ar.cause(), null, deadlineMs);
          if (failure.kind().providerDown()) {
            down(failure);
          }
          promise.tryFail(failure);
        }
      });
      return promise.future().onFailure(err -> {
        if (ProviderFailure.is(err, Kind.TIMEOUT)) {
          down((ProviderFailure) err);
        }
      });
    }));
  }

  private void down(ProviderFailure failure) {
    if (reachable) {
      LOG.warn("Svix became unreachable: {}", failure.detail());
    }
    reachable = false;
    platformTypesRegistered = false;
  }
}
