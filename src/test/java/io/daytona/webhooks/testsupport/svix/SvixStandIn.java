package io.daytona.webhooks.testsupport.svix;

import com.svix.Svix;
import com.svix.SvixOptions;
import io.daytona.webhooks.testsupport.svix.SvixChecks.SvixHttpException;
import io.daytona.webhooks.testsupport.svix.SvixRecords.DeliveryAttempt;
import io.daytona.webhooks.testsupport.svix.SvixRecords.OperationalWebhookSent;
import io.daytona.webhooks.testsupport.svix.SvixRecords.RecordedRequest;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredApp;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredEndpoint;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredEventType;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredMessage;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.handler.BodyHandler;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.daytona.webhooks.testsupport.svix.SvixChecks.ID;
import static io.daytona.webhooks.testsupport.svix.SvixChecks.conflict;
import static io.daytona.webhooks.testsupport.svix.SvixChecks.error;
import static io.daytona.webhooks.testsupport.svix.SvixChecks.invalid;
import static io.daytona.webhooks.testsupport.svix.SvixChecks.notFound;

/**
 * An in-test stand-in for the Svix API, written from Svix's OpenAPI document (version 1.99.1) and checked against the
 * official Java SDK {@code com.svix:svix:1.99.1}.
 *
 * <p>It serves, on 127.0.0.1 and a random port, the calls the product makes through the SDK: health, applications,
 * event types, endpoints (with their secrets) and messages, with Svix's paths, query parameters, status codes, JSON
 * shapes (camelCase, {@code HttpErrorOut} {@code {code, detail}} and {@code HTTPValidationError}
 * {@code {detail:[{loc,msg,type}]}}), bearer authentication and {@code idempotency-key} replay. After a message is
 * created it really delivers it, signed like Svix, to every matching endpoint, and can send operational webhooks.
 * Faults (status answers, 429 with {@code Retry-After}, slow answers, refused connections) can be injected at any time.
 *
 * <p>All state is guarded by one lock and handed out as immutable snapshots, so tests may inspect it from any thread.
 * Nothing here blocks the event loop: delays use Vert.x timers. The blocking helper {@link #block(Future, Duration)}
 * is for test threads only.
 *
 * <pre>{@code
 * SvixStandIn svixStandIn = SvixStandIn.block(new SvixStandIn(vertx, "testsk_x").start(), Duration.ofSeconds(5));
 * Svix svix = svixStandIn.newSdkClient();          // or new Svix(token, options with serverUrl(standIn.serverUrl()))
 * svixStandIn.failNext(4, 503, "/msg");             // the SDK retries 5xx 3 times: 4 failures surface one ApiException
 * ... product code runs ...
 * SvixStandIn.block(svixStandIn.awaitMessages("org-uid", 1, Duration.ofSeconds(5)), Duration.ofSeconds(6));
 * assertThat(svixStandIn.messageCreateRequests("evt-1")).isEqualTo(1);
 * SvixStandIn.block(svixStandIn.stop(), Duration.ofSeconds(5));
 * }</pre>
 */
public final class SvixStandIn {
  /** The token {@link #SvixStandIn(Vertx)} accepts. Shaped like a Svix test key. */
  public static final String DEFAULT_TOKEN = "testsk_standin.local";
  /** Svix's default and maximum page sizes. */
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 250;
  private static final String JSON = "application/json; charset=utf-8";
  /** How much of a receiver's response body an attempt keeps. */
  private static final int RESPONSE_KEPT = 16 * 1024;
  private static final Pattern MSG_CREATE_PATH = Pattern.compile("^/api/v1/app/[^/]+/msg/?$");

  private final Vertx vertx;
  private final String token;
  private final String orgId = SvixIds.newId("org_");

  private final Object lock = new Object();
  // ---- state, guarded by lock; values are immutable records ----
  private final Map<String, StoredApp> apps = new LinkedHashMap<>();
  private final Map<String, StoredEventType> eventTypes = new LinkedHashMap<>();
  private final Map<String, StoredEndpoint> endpoints = new LinkedHashMap<>();
  private final Map<String, StoredMessage> messages = new LinkedHashMap<>();
  /** The same messages by {@code <app id>\n<eventId>} (Svix's eventId uniqueness is per application). */
  private final Map<String, StoredMessage> messagesByEventId = new HashMap<>();
  /** By eventId alone (the last message stored with it): {@link #messageOfEventId}. */
  private final Map<String, StoredMessage> eventIdIndex = new HashMap<>();
  private final Map<String, Reply> idempotentReplies = new HashMap<>();
  // ---- observations, concurrent ----
  private final List<RecordedRequest> requests = Collections.synchronizedList(new ArrayList<>());
  private final ConcurrentHashMap<String, AtomicInteger> requestCounts = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> createRequestsByEventId = new ConcurrentHashMap<>();
  private final List<DeliveryAttempt> attempts = Collections.synchronizedList(new ArrayList<>());
  private final List<OperationalWebhookSent> operationalSent = Collections.synchronizedList(new ArrayList<>());

  private final SvixFaults faults = new SvixFaults();
  private volatile boolean deliveryEnabled = true;
  private volatile Duration deliveryTimeout = Duration.ofSeconds(15);
  private volatile String operationalUrl;
  private volatile String operationalSecret;

  private final Router router;
  private final WebClient webClient;
  private volatile HttpServer server;
  private volatile int port;

  /** A stand-in that accepts {@link #DEFAULT_TOKEN}. */
  public SvixStandIn(Vertx vertx) {
    this(vertx, DEFAULT_TOKEN);
  }

  /** A stand-in that accepts only {@code Authorization: Bearer <token>}. */
  public SvixStandIn(Vertx vertx, String token) {
    this.vertx = Objects.requireNonNull(vertx);
    this.token = Objects.requireNonNull(token);
    this.router = buildRouter();
    this.webClient = WebClient.create(vertx, new WebClientOptions()
      .setUserAgent("Svix-Webhooks/1.99.1 (stand-in)").setKeepAlive(false).setFollowRedirects(false));
  }

  // =====================================================================================================
  // lifecycle
  // =====================================================================================================

  /** Listens on 127.0.0.1 and a random port. */
  public Future<SvixStandIn> start() {
    return listen(0).map(this);
  }

  /** Stops listening and closes the delivery client. */
  public Future<Void> stop() {
    HttpServer s = server;
    server = null;
    Future<Void> closed = s == null ? Future.succeededFuture() : s.close();
    return closed.eventually(() -> {
      webClient.close();
      return Future.succeededFuture();
    });
  }

  private Future<HttpServer> listen(int p) {
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(p).setReuseAddress(true))
      .requestHandler(router)
      .listen()
      .onSuccess(s -> {
        server = s;
        port = s.actualPort();
      });
  }

  /** The port it listens on (kept while connections are refused, so it comes back on the same one). */
  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port>}: what {@link SvixOptions#setServerUrl} wants (the SDK keeps scheme, host, port). */
  public String serverUrl() {
    return "http://127.0.0.1:" + port;
  }

  public String token() {
    return token;
  }

  /** An SDK client pointed at this stand-in with its token. Call it from a test thread, never an event loop. */
  public Svix newSdkClient() {
    SvixOptions options = new SvixOptions();
    options.setServerUrl(serverUrl());
    return new Svix(token, options);
  }

  /** The Vert.x client that delivers messages and operational webhooks. */
  public WebClient webClient() {
    return webClient;
  }

  // =====================================================================================================
  // configuration
  // =====================================================================================================

  /** Turns real delivery on or off (off: messages are stored and never sent; fast for benchmarks). */
  public SvixStandIn deliveryEnabled(boolean enabled) {
    this.deliveryEnabled = enabled;
    return this;
  }

  public boolean deliveryEnabled() {
    return deliveryEnabled;
  }

  /** How long one delivery attempt may take before it counts as failed (default 15 s). */
  public SvixStandIn deliveryTimeout(Duration timeout) {
    this.deliveryTimeout = timeout;
    return this;
  }

  /** Where to send operational webhooks and the {@code whsec_} secret to sign them with; null url turns them off. */
  public SvixStandIn operationalWebhooks(String url, String secret) {
    if (url != null && (secret == null || secret.isBlank())) {
      throw new IllegalArgumentException("an operational webhook secret is needed");
    }
    this.operationalSecret = secret;
    this.operationalUrl = url;
    return this;
  }

  /** The organisation id the stand-in puts in operational webhooks ({@code orgId}). */
  public String orgId() {
    return orgId;
  }

  // =====================================================================================================
  // fault injection
  // =====================================================================================================

  /** The next {@code n} requests are answered {@code status} with a Svix error body. */
  public SvixStandIn failNext(int n, int status) {
    return failNext(n, status, null);
  }

  /** The next {@code n} requests whose path contains {@code pathContains} are answered {@code status}. */
  public SvixStandIn failNext(int n, int status, String pathContains) {
    faults.addStatus(positive(n), status, null, pathContains);
    return this;
  }

  /** Every request is answered {@code status} until {@link #heal()}. */
  public SvixStandIn failAll(int status) {
    return failAll(status, null);
  }

  /** Every request whose path contains {@code pathContains} is answered {@code status} until {@link #heal()}. */
  public SvixStandIn failAll(int status, String pathContains) {
    faults.addStatus(SvixFaults.FOREVER, status, null, pathContains);
    return this;
  }

  /** Lets {@code passThrough} requests whose path contains {@code pathContains} through, then answers every later one {@code status}. */
  public SvixStandIn failAllAfter(int passThrough, int status, String pathContains) {
    SvixFaults.Fault f = new SvixFaults.Fault(SvixFaults.Kind.STATUS, status, null, 0, pathContains, SvixFaults.FOREVER);
    f.passThrough.set(passThrough);
    faults.add(f);
    return this;
  }

  /** The next {@code n} requests are answered 429 with {@code Retry-After: retryAfterSeconds}. */
  public SvixStandIn rateLimitNext(int n, int retryAfterSeconds) {
    return rateLimitNext(n, retryAfterSeconds, null);
  }

  /** As {@link #rateLimitNext(int, int)}, only for paths containing {@code pathContains}. */
  public SvixStandIn rateLimitNext(int n, int retryAfterSeconds, String pathContains) {
    faults.addStatus(positive(n), 429, retryAfterSeconds, pathContains);
    return this;
  }

  /** The next {@code n} requests are answered only after {@code delay} (a timer; the event loop stays free). */
  public SvixStandIn delayNext(int n, Duration delay) {
    return delayNext(n, delay, null);
  }

  /** As {@link #delayNext(int, Duration)}, only for paths containing {@code pathContains}. */
  public SvixStandIn delayNext(int n, Duration delay, String pathContains) {
    faults.addDelay(positive(n), delay, pathContains);
    return this;
  }

  /** Every request is answered only after {@code delay}, until {@link #heal()}. */
  public SvixStandIn delayAll(Duration delay) {
    faults.addDelay(SvixFaults.FOREVER, delay, null);
    return this;
  }

  /** Stops listening: connections to the port are refused until {@link #acceptConnections()} or {@link #heal()}. */
  public Future<Void> refuseConnections() {
    HttpServer s = server;
    server = null;
    return s == null ? Future.succeededFuture() : s.close();
  }

  /** Listens again, on the same port as before. */
  public Future<Void> acceptConnections() {
    if (server != null) {
      return Future.succeededFuture();
    }
    return listen(port).mapEmpty();
  }

  /** Clears every fault and listens again if connections were refused. */
  public Future<Void> heal() {
    faults.clear();
    return acceptConnections();
  }

  private static int positive(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be positive");
    }
    return n;
  }

  // =====================================================================================================
  // inspection
  // =====================================================================================================

  /** The application with this id ({@code app_...}) or uid. */
  public Optional<StoredApp> app(String idOrUid) {
    synchronized (lock) {
      return Optional.ofNullable(findApp(idOrUid));
    }
  }

  public List<StoredApp> apps() {
    synchronized (lock) {
      return List.copyOf(apps.values());
    }
  }

  /** The endpoints of an application (by id or uid), in creation order; empty when the app does not exist. */
  public List<StoredEndpoint> endpoints(String appIdOrUid) {
    synchronized (lock) {
      StoredApp app = findApp(appIdOrUid);
      return app == null ? List.of() : endpointsOf(app.id());
    }
  }

  public Optional<StoredEventType> eventType(String name) {
    synchronized (lock) {
      return Optional.ofNullable(eventTypes.get(name));
    }
  }

  public List<StoredEventType> eventTypes() {
    synchronized (lock) {
      return List.copyOf(eventTypes.values());
    }
  }

  /** Registers an event type directly (as if created through the API), for tests that need one. */
  public StoredEventType registerEventType(String name, String description) {
    Instant now = now();
    StoredEventType et = new StoredEventType(name, description, false, false, null, null, null, now, now);
    synchronized (lock) {
      eventTypes.put(name, et);
    }
    return et;
  }

  /** The messages of an application (by id or uid), oldest first. */
  public List<StoredMessage> messages(String appIdOrUid) {
    synchronized (lock) {
      StoredApp app = findApp(appIdOrUid);
      return app == null ? List.of() : messagesOf(app.id());
    }
  }

  /** Every message of every application, oldest first. */
  public List<StoredMessage> allMessages() {
    synchronized (lock) {
      return List.copyOf(messages.values());
    }
  }

  /** How many messages are stored, across apps (constant time: for benchmarks that poll it). */
  public int messageCount() {
    synchronized (lock) {
      return messages.size();
    }
  }

  /** How many messages were stored with this eventId (across apps; at most one per app). */
  /** The message of this eventId in any app, or null; constant time (for benchmarks that poll it). */
  public StoredMessage messageOfEventId(String eventId) {
    synchronized (lock) {
      return eventIdIndex.get(eventId);
    }
  }

  public int messagesCreated(String eventId) {
    synchronized (lock) {
      return (int) messages.values().stream().filter(m -> eventId.equals(m.eventId())).count();
    }
  }

  /**
   * How many {@code POST /api/v1/app/{app_id}/msg} requests carried this eventId, whatever their answer was
   * (faulted, retried, 409, idempotent replay included).
   */
  public int messageCreateRequests(String eventId) {
    AtomicInteger c = createRequestsByEventId.get(eventId);
    return c == null ? 0 : c.get();
  }

  /** How many requests had exactly this method and path (e.g. {@code "POST", "/api/v1/app"}). */
  public int requestCount(String method, String path) {
    AtomicInteger c = requestCounts.get(method.toUpperCase() + " " + path);
    return c == null ? 0 : c.get();
  }

  /** How many requests had this method and a path starting with {@code pathPrefix}. */
  public int requestCountStartingWith(String method, String pathPrefix) {
    synchronized (requests) {
      return (int) requests.stream()
        .filter(r -> r.method().equalsIgnoreCase(method) && r.path().startsWith(pathPrefix)).count();
    }
  }

  /** Every request received, in order. */
  public List<RecordedRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** Every delivery attempt made to endpoints, in completion order. */
  public List<DeliveryAttempt> deliveryAttempts() {
    synchronized (attempts) {
      return List.copyOf(attempts);
    }
  }

  /** Every operational webhook sent, in completion order. */
  public List<OperationalWebhookSent> operationalWebhooksSent() {
    synchronized (operationalSent) {
      return List.copyOf(operationalSent);
    }
  }

  /** Clears all state and observations and every fault; keeps the token, port and configuration. */
  public void reset() {
    faults.clear();
    synchronized (lock) {
      apps.clear();
      eventTypes.clear();
      endpoints.clear();
    }
    forgetMessages();
  }

  /**
   * Forgets the messages and the requests recorded so far (and so Svix's memory of their eventIds
   * and idempotency keys), keeping applications, event types and endpoints: a long benchmark's
   * messages would otherwise fill the heap.
   */
  public void forgetMessages() {
    synchronized (lock) {
      messages.clear();
      messagesByEventId.clear();
      eventIdIndex.clear();
      idempotentReplies.clear();
    }
    requests.clear();
    requestCounts.clear();
    createRequestsByEventId.clear();
    attempts.clear();
    operationalSent.clear();
  }

  // =====================================================================================================
  // waiting without sleeping
  // =====================================================================================================

  /** Completes when {@code condition} holds (checked now and every 5 ms on a timer), fails after {@code timeout}. */
  public Future<Void> await(BooleanSupplier condition, Duration timeout) {
    Promise<Void> promise = Promise.promise();
    try {
      if (condition.getAsBoolean()) {
        return Future.succeededFuture();
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    vertx.setPeriodic(5, id -> {
      try {
        if (condition.getAsBoolean()) {
          vertx.cancelTimer(id);
          promise.tryComplete();
        } else if (System.nanoTime() > deadline) {
          vertx.cancelTimer(id);
          promise.tryFail(new TimeoutException("condition not met within " + timeout));
        }
      } catch (RuntimeException e) {
        vertx.cancelTimer(id);
        promise.tryFail(e);
      }
    });
    return promise.future();
  }

  /** Completes with the messages once the app (id or uid) has at least {@code n}. */
  public Future<List<StoredMessage>> awaitMessages(String appIdOrUid, int n, Duration timeout) {
    return await(() -> messages(appIdOrUid).size() >= n, timeout).map(v -> messages(appIdOrUid));
  }

  /** Completes with the attempts once at least {@code n} delivery attempts completed. */
  public Future<List<DeliveryAttempt>> awaitDeliveryAttempts(int n, Duration timeout) {
    return await(() -> attempts.size() >= n, timeout).map(v -> deliveryAttempts());
  }

  /** Completes with what was sent once at least {@code n} operational webhooks were sent (or failed). */
  public Future<List<OperationalWebhookSent>> awaitOperationalWebhooks(int n, Duration timeout) {
    return await(() -> operationalSent.size() >= n, timeout).map(v -> operationalWebhooksSent());
  }

  /** Blocks a test thread (never an event loop) on a Vert.x future. */
  public static <T> T block(Future<T> future, Duration timeout) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      throw new IllegalStateException(c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("not completed within " + timeout, e);
    }
  }

  // =====================================================================================================
  // operational webhooks
  // =====================================================================================================

  /**
   * Sends one operational webhook {@code {"type": type, "data": data}} to the configured URL, signed with the
   * configured secret like any Svix webhook. {@code data} is a {@link JsonObject} or (for
   * {@code message.attempt.log}) a {@link JsonArray}. Completes with the receiver's status code.
   */
  public Future<Integer> sendOperationalWebhook(String type, Object data) {
    String url = operationalUrl;
    String secret = operationalSecret;
    if (url == null) {
      return Future.failedFuture(new IllegalStateException("operational webhooks are not configured"));
    }
    JsonObject body = new JsonObject().put("type", type).put("data", data);
    String msgId = SvixIds.newId("msg_");
    String raw = body.encode();
    Map<String, String> headers = signedHeaders(secret, msgId, raw);
    return post(url, headers, raw).andThen((AsyncResult<Integer> ar) -> {
      Integer status = ar.succeeded() ? ar.result() : null;
      String err = ar.succeeded() ? null : String.valueOf(ar.cause());
      operationalSent.add(new OperationalWebhookSent(msgId, type, body, status, err, now()));
    });
  }

  private void operational(String type, Object data) {
    if (operationalUrl != null) {
      sendOperationalWebhook(type, data);
    }
  }

  /**
   * Svix reports an endpoint change from its queue, after the API call that made it has answered:
   * the report goes out {@link #OPERATIONAL_QUEUE_MS} later, never before the caller has the answer.
   */
  private void endpointEvent(String type, StoredApp app, StoredEndpoint ep) {
    JsonObject data = new JsonObject().put("appId", app.id()).put("appUid", app.uid())
      .put("endpointId", ep.id()).put("endpointUid", ep.uid());
    vertx.setTimer(OPERATIONAL_QUEUE_MS, t -> operational(type, data));
  }

  /** How long after an endpoint change its operational webhook is sent (a hop through Svix's queue). */
  static final long OPERATIONAL_QUEUE_MS = 50;

  // =====================================================================================================
  // delivery
  // =====================================================================================================

  private static Map<String, String> signedHeaders(String secret, String msgId, String body) {
    long ts = Instant.now().getEpochSecond();
    Map<String, String> h = new LinkedHashMap<>();
    h.put("content-type", "application/json");
    h.put("svix-id", msgId);
    h.put("svix-timestamp", Long.toString(ts));
    h.put("svix-signature", SvixIds.sign(secret, msgId, ts, body));
    return h;
  }

  private Future<Integer> post(String url, Map<String, String> headers, String body) {
    return exchange(url, headers, body).map(r -> r.statusCode());
  }

  private Future<io.vertx.ext.web.client.HttpResponse<Buffer>> exchange(String url, Map<String, String> headers, String body) {
    try {
      HttpRequest<Buffer> req = webClient.postAbs(url).timeout(deliveryTimeout.toMillis());
      headers.forEach(req::putHeader);
      return req.sendBuffer(Buffer.buffer(body));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private void deliver(StoredApp app, StoredMessage msg, StoredEndpoint ep) {
    deliver(app, msg, ep, 0);
  }

  /** One attempt of {@code msg} to {@code ep}; {@code trigger} 0 scheduled, 1 manual (resend, recover). */
  private void deliver(StoredApp app, StoredMessage msg, StoredEndpoint ep, int trigger) {
    Map<String, String> headers = new LinkedHashMap<>(ep.headers());
    headers.putAll(signedHeaders(ep.secret(), msg.id(), msg.rawPayload()));
    Instant start = now();
    String attemptId = SvixIds.newId("atmpt_");
    exchange(ep.url(), headers, msg.rawPayload()).onComplete(ar -> {
      Instant end = now();
      Integer status = ar.succeeded() ? ar.result().statusCode() : null;
      String err = ar.succeeded() ? null : String.valueOf(ar.cause());
      // like Svix, the attempt keeps (the start of) the receiver's response body
      String answer = ar.succeeded() && ar.result().body() != null ? ar.result().bodyAsString() : "";
      DeliveryAttempt a = new DeliveryAttempt(attemptId, app.id(), msg.id(), msg.eventId(), msg.eventType(),
        ep.id(), ep.url(), headers, msg.rawPayload(), status, err,
        answer.length() > RESPONSE_KEPT ? answer.substring(0, RESPONSE_KEPT) : answer, start, end, trigger);
      attempts.add(a);
      if (operationalUrl != null) {
        int code = status == null ? 0 : status;
        JsonObject log = new JsonObject().put("orgId", orgId).put("appId", app.id()).put("appUid", app.uid())
          .put("endpointId", ep.id()).put("msgId", msg.id()).put("msgEventId", msg.eventId())
          .put("msgCreated", msg.timestamp().toString()).put("attemptStart", start.toString())
          .put("attemptEnd", end.toString()).put("attemptId", attemptId).put("responseStatusCode", code)
          .put("attemptCount", 1).put("status", a.succeeded() ? 0 : 2).put("eventType", msg.eventType())
          .put("httpTimes", new JsonObject().put("start", start.toString()).put("end", end.toString()));
        operational("message.attempt.log", new JsonArray().add(log));
        if (!a.succeeded()) {
          operational("message.attempt.exhausted", new JsonObject().put("appId", app.id())
            .put("appUid", app.uid()).put("msgId", msg.id()).put("msgEventId", msg.eventId())
            .put("endpointId", ep.id()).put("lastAttempt", new JsonObject().put("id", attemptId)
              .put("responseStatusCode", code).put("timestamp", end.toString())));
        }
      }
    });
  }

  // =====================================================================================================
  // HTTP plumbing
  // =====================================================================================================

  /** One answer: status, JSON body (null: none) and extra headers. */
  record Reply(int status, Object body, Map<String, String> headers) {
    static Reply of(int status, Object body) {
      return new Reply(status, body, Map.of());
    }

    static Reply noContent() {
      return new Reply(204, null, Map.of());
    }
  }

  private Router buildRouter() {
    Router r = Router.router(vertx);
    r.route().handler(BodyHandler.create(false));
    r.route().handler(this::record);
    r.route().handler(this::injectDelay);
    r.route().handler(this::injectStatus);
    r.get("/api/v1/health").handler(ctx -> write(ctx, Reply.noContent()));
    r.route("/api/*").handler(this::authenticate);

    on(r, HttpMethod.GET, "/api/v1/app", this::listApps);
    on(r, HttpMethod.POST, "/api/v1/app", this::createApp);
    on(r, HttpMethod.GET, "/api/v1/app/:app_id", ctx -> Reply.of(200, requireApp(ctx).toJson()));
    on(r, HttpMethod.PUT, "/api/v1/app/:app_id", this::putApp);
    on(r, HttpMethod.DELETE, "/api/v1/app/:app_id", this::deleteApp);

    on(r, HttpMethod.GET, "/api/v1/event-type", this::listEventTypes);
    on(r, HttpMethod.POST, "/api/v1/event-type", this::createEventType);
    on(r, HttpMethod.GET, "/api/v1/event-type/:event_type_name", this::getEventType);
    on(r, HttpMethod.PUT, "/api/v1/event-type/:event_type_name", this::putEventType);
    on(r, HttpMethod.DELETE, "/api/v1/event-type/:event_type_name", this::deleteEventType);

    on(r, HttpMethod.GET, "/api/v1/app/:app_id/endpoint", this::listEndpoints);
    on(r, HttpMethod.POST, "/api/v1/app/:app_id/endpoint", this::createEndpoint);
    on(r, HttpMethod.GET, "/api/v1/app/:app_id/endpoint/:endpoint_id", this::getEndpoint);
    on(r, HttpMethod.PUT, "/api/v1/app/:app_id/endpoint/:endpoint_id", this::putEndpoint);
    on(r, HttpMethod.PATCH, "/api/v1/app/:app_id/endpoint/:endpoint_id", this::patchEndpoint);
    on(r, HttpMethod.DELETE, "/api/v1/app/:app_id/endpoint/:endpoint_id", this::deleteEndpoint);
    on(r, HttpMethod.GET, "/api/v1/app/:app_id/endpoint/:endpoint_id/secret", this::getEndpointSecret);
    on(r, HttpMethod.POST, "/api/v1/app/:app_id/endpoint/:endpoint_id/secret/rotate", this::rotateEndpointSecret);
    on(r, HttpMethod.POST, "/api/v1/app/:app_id/endpoint/:endpoint_id/send-example", this::sendExample);
    on(r, HttpMethod.POST, "/api/v1/app/:app_id/endpoint/:endpoint_id/recover", this::recover);
    on(r, HttpMethod.GET, "/api/v1/app/:app_id/attempt/msg/:msg_id", this::listAttemptsByMsg);
    on(r, HttpMethod.GET, "/api/v1/app/:app_id/attempt/endpoint/:endpoint_id", this::listAttemptsByEndpoint);
    on(r, HttpMethod.POST, "/api/v1/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend", this::resend);
    on(r, HttpMethod.POST, "/api/v1/auth/app-portal-access/:app_id", this::appPortalAccess);

    on(r, HttpMethod.GET, "/api/v1/app/:app_id/msg", this::listMessages);
    on(r, HttpMethod.POST, "/api/v1/app/:app_id/msg", this::createMessage);
    on(r, HttpMethod.GET, "/api/v1/app/:app_id/msg/:msg_id", this::getMessage);

    r.route().last().handler(ctx -> write(ctx, reply(error(404, "not_found", "Entity not found"))));
    return r;
  }

  private void record(RoutingContext ctx) {
    String method = ctx.request().method().name();
    String path = ctx.request().path();
    String body = ctx.body() == null ? null : ctx.body().asString();
    requests.add(new RecordedRequest(method, path, ctx.request().query(),
      ctx.request().getHeader("idempotency-key"), body, now()));
    requestCounts.computeIfAbsent(method + " " + path, k -> new AtomicInteger()).incrementAndGet();
    if ("POST".equals(method) && MSG_CREATE_PATH.matcher(path).matches() && body != null) {
      try {
        Object v = Json.decodeValue(body);
        if (v instanceof JsonObject && ((JsonObject) v).getValue("eventId") instanceof String) {
          createRequestsByEventId.computeIfAbsent(((JsonObject) v).getString("eventId"), k -> new AtomicInteger())
            .incrementAndGet();
        }
      } catch (DecodeException ignored) {
        // counted as a request only; the handler answers 422
      }
    }
    ctx.next();
  }

  private void injectDelay(RoutingContext ctx) {
    SvixFaults.Fault delay = faults.take(SvixFaults.Kind.DELAY, ctx.request().path());
    if (delay == null) {
      ctx.next();
    } else {
      vertx.setTimer(Math.max(1, delay.delayMs), t -> ctx.next());
    }
  }

  private void injectStatus(RoutingContext ctx) {
    SvixFaults.Fault f = faults.take(SvixFaults.Kind.STATUS, ctx.request().path());
    if (f == null) {
      ctx.next();
      return;
    }
    Map<String, String> headers = f.retryAfterSeconds == null ? Map.of()
      : Map.of("Retry-After", Integer.toString(f.retryAfterSeconds));
    JsonObject body = new JsonObject().put("code", codeFor(f.status)).put("detail", "Injected fault (stand-in)");
    write(ctx, new Reply(f.status, body, headers));
  }

  private static String codeFor(int status) {
    switch (status) {
      case 400: return "bad_request";
      case 401: return "authentication_failed";
      case 403: return "forbidden";
      case 404: return "not_found";
      case 409: return "conflict";
      case 413: return "payload_too_large";
      case 429: return "rate_limit_exceeded";
      case 500: return "internal_server_error";
      case 502: return "bad_gateway";
      case 503: return "service_unavailable";
      case 504: return "gateway_timeout";
      default: return "http_error";
    }
  }

  private void authenticate(RoutingContext ctx) {
    String auth = ctx.request().getHeader("Authorization");
    if (auth == null || !auth.startsWith("Bearer ") || !auth.substring("Bearer ".length()).equals(token)) {
      write(ctx, reply(error(401, "authentication_failed", "Invalid token")));
      return;
    }
    ctx.next();
  }

  private void on(Router r, HttpMethod method, String path, Function<RoutingContext, Reply> handler) {
    r.route(method, path).handler(ctx -> {
      Reply reply;
      String key = ctx.request().getHeader("idempotency-key");
      try {
        if (method == HttpMethod.POST && key != null && !key.isEmpty()) {
          String cacheKey = method.name() + " " + ctx.request().path() + " " + key;
          synchronized (lock) {
            Reply cached = idempotentReplies.get(cacheKey);
            if (cached != null) {
              reply = cached;
            } else {
              reply = handler.apply(ctx);
              if (reply.status() >= 200 && reply.status() < 300) {
                idempotentReplies.put(cacheKey, reply);
              }
            }
          }
        } else {
          reply = handler.apply(ctx);
        }
      } catch (SvixHttpException e) {
        reply = reply(e);
      } catch (RuntimeException e) {
        reply = Reply.of(500, new JsonObject().put("code", "internal_server_error")
          .put("detail", "stand-in failure: " + e));
      }
      write(ctx, reply);
    });
  }

  private static Reply reply(SvixHttpException e) {
    return Reply.of(e.status, e.body);
  }

  private static void write(RoutingContext ctx, Reply reply) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(reply.status());
    reply.headers().forEach(ctx.response()::putHeader);
    if (reply.body() == null) {
      ctx.response().end();
    } else {
      String json = reply.body() instanceof JsonObject ? ((JsonObject) reply.body()).encode()
        : Json.encode(reply.body());
      ctx.response().putHeader("content-type", JSON).end(json);
    }
  }

  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MICROS);
  }

  // ---- query parameters ----

  private static boolean boolQuery(RoutingContext ctx, String name, boolean dflt) {
    String v = ctx.request().getParam(name);
    if (v == null) {
      return dflt;
    }
    if (v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw invalid(List.of("query", name), "value could not be parsed to a boolean", "type_error.bool");
  }

  private static int limit(RoutingContext ctx) {
    String v = ctx.request().getParam("limit");
    if (v == null) {
      return DEFAULT_LIMIT;
    }
    try {
      long l = Long.parseLong(v);
      if (l < 1 || l > MAX_LIMIT) {
        throw invalid(List.of("query", "limit"), "ensure this value is between 1 and " + MAX_LIMIT,
          "value_error.number");
      }
      return (int) l;
    } catch (NumberFormatException e) {
      throw invalid(List.of("query", "limit"), "value is not a valid integer", "type_error.integer");
    }
  }

  /** The iterator query parameter; {@code prefix} null means any {@link SvixChecks#ID} string (event types). */
  private static String iterator(RoutingContext ctx, String prefix) {
    String v = ctx.request().getParam("iterator");
    if (v == null || v.isEmpty()) {
      return null;
    }
    String bare = v.startsWith("-") ? v.substring(1) : v;
    boolean ok = prefix == null ? ID.matcher(bare).matches() && bare.length() <= 256
      : bare.matches("^" + prefix + "[A-Za-z0-9]{27}$");
    if (!ok) {
      throw invalid(List.of("query", "iterator"), "invalid iterator", "value_error.str.regex");
    }
    return v;
  }

  private static boolean descending(RoutingContext ctx, boolean dflt) {
    String v = ctx.request().getParam("order");
    if (v == null) {
      return dflt;
    }
    if (v.equals("ascending")) {
      return false;
    }
    if (v.equals("descending")) {
      return true;
    }
    throw invalid(List.of("query", "order"), "value is not a valid enumeration member; permitted: 'ascending', "
      + "'descending'", "type_error.enum");
  }

  /**
   * A Svix list page ({@code ListResponse_*}: {@code data, iterator, prevIterator, done}) over items sorted by
   * {@code key} ascending. The iterator is the key of the last item returned; {@code -key} pages backwards.
   */
  static <T> JsonObject page(List<T> ascending, Function<T, String> key, Function<T, JsonObject> json,
                             String iterator, int limit, boolean descending) {
    List<T> items = new ArrayList<>(ascending);
    if (descending) {
      Collections.reverse(items);
    }
    Comparator<String> order = descending ? Comparator.reverseOrder() : Comparator.naturalOrder();
    int from;
    int to;
    if (iterator == null) {
      from = 0;
      to = Math.min(items.size(), limit);
    } else if (iterator.startsWith("-")) {
      String k = iterator.substring(1);
      int firstNotBefore = 0;
      while (firstNotBefore < items.size() && order.compare(key.apply(items.get(firstNotBefore)), k) < 0) {
        firstNotBefore++;
      }
      to = firstNotBefore;
      from = Math.max(0, to - limit);
    } else {
      int firstAfter = 0;
      while (firstAfter < items.size() && order.compare(key.apply(items.get(firstAfter)), iterator) <= 0) {
        firstAfter++;
      }
      from = firstAfter;
      to = Math.min(items.size(), from + limit);
    }
    List<T> data = items.subList(from, to);
    JsonArray out = new JsonArray();
    data.forEach(t -> out.add(json.apply(t)));
    return new JsonObject().put("data", out)
      .put("iterator", data.isEmpty() ? iterator : key.apply(data.get(data.size() - 1)))
      .put("prevIterator", data.isEmpty() ? null : "-" + key.apply(data.get(0)))
      .put("done", to >= items.size());
  }

  // =====================================================================================================
  // lookups (callers hold lock)
  // =====================================================================================================

  private StoredApp findApp(String idOrUid) {
    StoredApp a = apps.get(idOrUid);
    if (a != null) {
      return a;
    }
    for (StoredApp x : apps.values()) {
      if (idOrUid.equals(x.uid())) {
        return x;
      }
    }
    return null;
  }

  private StoredApp requireApp(RoutingContext ctx) {
    synchronized (lock) {
      StoredApp a = findApp(ctx.pathParam("app_id"));
      if (a == null) {
        throw notFound();
      }
      return a;
    }
  }

  private List<StoredEndpoint> endpointsOf(String appId) {
    return endpoints.values().stream().filter(e -> e.appId().equals(appId)).collect(Collectors.toList());
  }

  private List<StoredMessage> messagesOf(String appId) {
    return messages.values().stream().filter(m -> m.appId().equals(appId)).collect(Collectors.toList());
  }

  private StoredEndpoint findEndpoint(String appId, String idOrUid) {
    StoredEndpoint e = endpoints.get(idOrUid);
    if (e != null && e.appId().equals(appId)) {
      return e;
    }
    for (StoredEndpoint x : endpoints.values()) {
      if (x.appId().equals(appId) && idOrUid.equals(x.uid())) {
        return x;
      }
    }
    return null;
  }

  // =====================================================================================================
  // applications
  // =====================================================================================================

  private Reply listApps(RoutingContext ctx) {
    int limit = limit(ctx);
    String it = iterator(ctx, "app_");
    boolean desc = descending(ctx, false);
    boolean excludeNoEndpoints = boolQuery(ctx, "exclude_apps_with_no_endpoints", false);
    boolean excludeDisabled = boolQuery(ctx, "exclude_apps_with_disabled_endpoints", false);
    boolQuery(ctx, "exclude_apps_with_svix_play_endpoints", false);
    synchronized (lock) {
      List<StoredApp> list = apps.values().stream()
        .filter(a -> !excludeNoEndpoints || !endpointsOf(a.id()).isEmpty())
        .filter(a -> !excludeDisabled || endpointsOf(a.id()).stream().anyMatch(e -> !e.disabled())
          || endpointsOf(a.id()).isEmpty())
        .sorted(Comparator.comparing(StoredApp::id)).collect(Collectors.toList());
      return Reply.of(200, page(list, StoredApp::id, StoredApp::toJson, it, limit, desc));
    }
  }

  private static final class AppIn {
    String name;
    String uid;
    Map<String, String> metadata;
    Long rateLimit;
    Long throttleRate;
  }

  private static AppIn appIn(JsonObject b) {
    SvixChecks c = new SvixChecks();
    AppIn in = new AppIn();
    in.name = c.str(b, "name", true, 1, null, null);
    in.uid = c.str(b, "uid", false, 1, 256, ID);
    in.metadata = c.stringMap(b, "metadata");
    in.rateLimit = c.integer(b, "rateLimit", 1L, 65535L);
    in.throttleRate = c.integer(b, "throttleRate", 1L, 65535L);
    c.done();
    return in;
  }

  private Reply createApp(RoutingContext ctx) {
    AppIn in = appIn(SvixChecks.parseObject(ctx.body().asString()));
    boolean getIfExists = boolQuery(ctx, "get_if_exists", false);
    synchronized (lock) {
      if (in.uid != null) {
        StoredApp existing = findApp(in.uid);
        if (existing != null && in.uid.equals(existing.uid())) {
          if (getIfExists) {
            return Reply.of(200, existing.toJson());
          }
          throw conflict("An application with this uid already exists.");
        }
      }
      StoredApp app = newApp(in, in.uid);
      return Reply.of(201, app.toJson());
    }
  }

  private StoredApp newApp(AppIn in, String uid) {
    Instant now = now();
    StoredApp app = new StoredApp(SvixIds.newId("app_"), uid, in.name,
      in.metadata == null ? Map.of() : in.metadata, in.rateLimit, in.throttleRate, now, now);
    apps.put(app.id(), app);
    return app;
  }

  private Reply putApp(RoutingContext ctx) {
    AppIn in = appIn(SvixChecks.parseObject(ctx.body().asString()));
    String pathId = ctx.pathParam("app_id");
    synchronized (lock) {
      StoredApp existing = findApp(pathId);
      String uid = in.uid != null ? in.uid : (existing != null ? existing.uid() : (pathId.startsWith("app_")
        ? null : pathId));
      if (uid != null) {
        StoredApp other = findApp(uid);
        if (other != null && uid.equals(other.uid()) && (existing == null || !other.id().equals(existing.id()))) {
          throw conflict("An application with this uid already exists.");
        }
      }
      if (existing == null) {
        if (pathId.startsWith("app_")) {
          throw notFound();
        }
        return Reply.of(201, newApp(in, uid).toJson());
      }
      StoredApp updated = new StoredApp(existing.id(), uid, in.name,
        in.metadata == null ? Map.of() : in.metadata, in.rateLimit, in.throttleRate, existing.createdAt(), now());
      apps.put(updated.id(), updated);
      return Reply.of(200, updated.toJson());
    }
  }

  private Reply deleteApp(RoutingContext ctx) {
    List<StoredEndpoint> removed;
    StoredApp app;
    synchronized (lock) {
      app = requireApp(ctx);
      apps.remove(app.id());
      removed = endpointsOf(app.id());
      removed.forEach(e -> endpoints.remove(e.id()));
      messages.values().removeIf(m -> m.appId().equals(app.id()));
      messagesByEventId.values().removeIf(m -> m.appId().equals(app.id()));
      eventIdIndex.values().removeIf(m -> m.appId().equals(app.id()));
    }
    removed.forEach(e -> endpointEvent("endpoint.deleted", app, e));
    return Reply.noContent();
  }

  // =====================================================================================================
  // event types
  // =====================================================================================================

  private static String eventTypeName(RoutingContext ctx) {
    String name = ctx.pathParam("event_type_name");
    SvixChecks c = new SvixChecks();
    c.checkString(List.of("path", "event_type_name"), name, null, 256, ID);
    c.done();
    return name;
  }

  private Reply listEventTypes(RoutingContext ctx) {
    int limit = limit(ctx);
    String it = iterator(ctx, null);
    boolean desc = descending(ctx, false);
    boolean includeArchived = boolQuery(ctx, "include_archived", false);
    boolean withContent = boolQuery(ctx, "with_content", false);
    synchronized (lock) {
      List<StoredEventType> list = eventTypes.values().stream().filter(e -> includeArchived || !e.archived())
        .sorted(Comparator.comparing(StoredEventType::name)).collect(Collectors.toList());
      return Reply.of(200, page(list, StoredEventType::name, e -> e.toJson(withContent), it, limit, desc));
    }
  }

  private Reply getEventType(RoutingContext ctx) {
    String name = eventTypeName(ctx);
    synchronized (lock) {
      StoredEventType et = eventTypes.get(name);
      if (et == null) {
        throw notFound();
      }
      return Reply.of(200, et.toJson(true));
    }
  }

  private static final class EventTypeFields {
    String description;
    Boolean archived;
    Boolean deprecated;
    JsonObject schemas;
    String groupName;
    List<String> featureFlags;
  }

  private static EventTypeFields eventTypeFields(JsonObject b, SvixChecks c) {
    EventTypeFields f = new EventTypeFields();
    f.description = c.str(b, "description", true, null, null, null);
    f.archived = c.bool(b, "archived");
    f.deprecated = c.bool(b, "deprecated");
    f.schemas = c.object(b, "schemas", false);
    f.groupName = c.str(b, "groupName", false, null, 256, ID);
    f.featureFlags = c.stringSet(b, "featureFlags", 1, null, ID, 256);
    String flag = c.str(b, "featureFlag", false, null, 256, ID);
    if (f.featureFlags == null && flag != null) {
      f.featureFlags = List.of(flag);
    }
    return f;
  }

  private static StoredEventType eventType(String name, EventTypeFields f, Instant created) {
    return new StoredEventType(name, f.description, Boolean.TRUE.equals(f.archived),
      Boolean.TRUE.equals(f.deprecated), f.schemas, f.groupName, f.featureFlags, created, now());
  }

  private Reply createEventType(RoutingContext ctx) {
    JsonObject b = SvixChecks.parseObject(ctx.body().asString());
    SvixChecks c = new SvixChecks();
    String name = c.str(b, "name", true, null, 256, ID);
    EventTypeFields f = eventTypeFields(b, c);
    c.done();
    synchronized (lock) {
      StoredEventType existing = eventTypes.get(name);
      if (existing != null && !existing.archived()) {
        throw conflict("An event_type with this name already exists.");
      }
      StoredEventType et = eventType(name, f, existing != null ? existing.createdAt() : now());
      eventTypes.put(name, et);
      return Reply.of(201, et.toJson(true));
    }
  }

  /** {@code PUT /api/v1/event-type/{name}}: "Create or update an event type" (200 updated, 201 created). */
  private Reply putEventType(RoutingContext ctx) {
    String name = eventTypeName(ctx);
    JsonObject b = SvixChecks.parseObject(ctx.body().asString());
    SvixChecks c = new SvixChecks();
    EventTypeFields f = eventTypeFields(b, c);
    c.done();
    synchronized (lock) {
      StoredEventType existing = eventTypes.get(name);
      StoredEventType et = eventType(name, f, existing != null ? existing.createdAt() : now());
      eventTypes.put(name, et);
      return Reply.of(existing == null ? 201 : 200, et.toJson(true));
    }
  }

  private Reply deleteEventType(RoutingContext ctx) {
    String name = eventTypeName(ctx);
    boolean expunge = boolQuery(ctx, "expunge", false);
    synchronized (lock) {
      StoredEventType et = eventTypes.get(name);
      if (et == null) {
        throw notFound();
      }
      if (expunge) {
        eventTypes.remove(name);
      } else {
        eventTypes.put(name, new StoredEventType(et.name(), et.description(), true, et.deprecated(), et.schemas(),
          et.groupName(), et.featureFlags(), et.createdAt(), now()));
      }
      return Reply.noContent();
    }
  }

  // =====================================================================================================
  // endpoints
  // =====================================================================================================

  private Reply listEndpoints(RoutingContext ctx) {
    int limit = limit(ctx);
    String it = iterator(ctx, "ep_");
    boolean desc = descending(ctx, false);
    synchronized (lock) {
      StoredApp app = requireApp(ctx);
      List<StoredEndpoint> list = endpointsOf(app.id());
      list.sort(Comparator.comparing(StoredEndpoint::id));
      return Reply.of(200, page(list, StoredEndpoint::id, StoredEndpoint::toJson, it, limit, desc));
    }
  }

  /** Rejects filterTypes that name no registered (unarchived) event type, as Svix does. Caller holds lock. */
  private void checkFilterTypes(List<String> filterTypes) {
    if (filterTypes == null) {
      return;
    }
    List<String> unknown = filterTypes.stream()
      .filter(t -> eventTypes.get(t) == null || eventTypes.get(t).archived()).collect(Collectors.toList());
    if (!unknown.isEmpty()) {
      throw invalid(List.of("body", "filterTypes"), "Event type does not exist: " + String.join(", ", unknown),
        "value_error");
    }
  }

  private void checkEndpointUidFree(String appId, String uid, String selfId) {
    if (uid == null) {
      return;
    }
    for (StoredEndpoint e : endpoints.values()) {
      if (e.appId().equals(appId) && uid.equals(e.uid()) && !e.id().equals(selfId)) {
        throw conflict("An endpoint with this uid already exists.");
      }
    }
  }

  private static final class EndpointFields {
    String url;
    String uid;
    String description;
    Boolean disabled;
    List<String> filterTypes;
    List<String> channels;
    Map<String, String> metadata;
    Map<String, String> headers;
    String secret;
    Long version;
    Long rateLimit;
    Long throttleRate;
  }

  private static EndpointFields endpointFields(JsonObject b, boolean urlRequired, SvixChecks c) {
    EndpointFields f = new EndpointFields();
    f.url = c.url(b, "url", urlRequired);
    f.uid = c.str(b, "uid", false, 1, 256, ID);
    f.description = c.str(b, "description", false, null, null, null);
    f.disabled = c.bool(b, "disabled");
    f.filterTypes = c.stringSet(b, "filterTypes", urlRequired ? 1 : null, null, ID, 256);
    f.channels = c.stringSet(b, "channels", urlRequired ? 1 : null, 10, SvixChecks.CHANNEL, 128);
    f.metadata = c.stringMap(b, "metadata");
    f.headers = c.stringMap(b, "headers");
    f.secret = c.str(b, "secret", false, null, null, SvixChecks.SECRET);
    f.version = c.integer(b, "version", 1L, 65535L);
    f.rateLimit = c.integer(b, "rateLimit", urlRequired ? 1L : 0L, 65535L);
    f.throttleRate = c.integer(b, "throttleRate", urlRequired ? 1L : 0L, 65535L);
    return f;
  }

  private static String normalizeSecret(String secret) {
    if (secret == null) {
      return SvixIds.newSecret();
    }
    return secret.matches("^(whsec_|whsk_|whsk1_|whpk_|whpk1_).*") ? secret : "whsec_" + secret;
  }

  private StoredEndpoint newEndpoint(StoredApp app, EndpointFields f, String uid) {
    Instant now = now();
    StoredEndpoint ep = new StoredEndpoint(SvixIds.newId("ep_"), app.id(), uid, f.url,
      f.description == null ? "" : f.description, Boolean.TRUE.equals(f.disabled), f.filterTypes, f.channels,
      f.metadata == null ? Map.of() : f.metadata, f.headers, normalizeSecret(f.secret),
      f.version == null ? 1 : f.version, f.rateLimit, f.throttleRate, now, now);
    endpoints.put(ep.id(), ep);
    return ep;
  }

  private Reply createEndpoint(RoutingContext ctx) {
    JsonObject b = SvixChecks.parseObject(ctx.body().asString());
    SvixChecks c = new SvixChecks();
    EndpointFields f = endpointFields(b, true, c);
    StoredApp app;
    StoredEndpoint ep;
    synchronized (lock) {
      app = requireApp(ctx);
      c.done();
      checkFilterTypes(f.filterTypes);
      checkEndpointUidFree(app.id(), f.uid, null);
      ep = newEndpoint(app, f, f.uid);
    }
    endpointEvent("endpoint.created", app, ep);
    return Reply.of(201, ep.toJson());
  }

  private Reply getEndpoint(RoutingContext ctx) {
    synchronized (lock) {
      return Reply.of(200, requireEndpoint(ctx).toJson());
    }
  }

  private StoredEndpoint requireEndpoint(RoutingContext ctx) {
    synchronized (lock) {
      StoredApp app = requireApp(ctx);
      StoredEndpoint ep = findEndpoint(app.id(), ctx.pathParam("endpoint_id"));
      if (ep == null) {
        throw notFound();
      }
      return ep;
    }
  }

  /** {@code PUT}: "Create or update an endpoint" (EndpointUpdate; 200 updated, 201 created under the path uid). */
  private Reply putEndpoint(RoutingContext ctx) {
    JsonObject b = SvixChecks.parseObject(ctx.body().asString());
    SvixChecks c = new SvixChecks();
    EndpointFields f = endpointFields(b, true, c);
    f.secret = null;
    f.headers = null;
    String pathId = ctx.pathParam("endpoint_id");
    StoredApp app;
    StoredEndpoint ep;
    boolean created;
    synchronized (lock) {
      app = requireApp(ctx);
      c.done();
      checkFilterTypes(f.filterTypes);
      StoredEndpoint existing = findEndpoint(app.id(), pathId);
      if (existing == null) {
        if (pathId.startsWith("ep_")) {
          throw notFound();
        }
        String uid = f.uid != null ? f.uid : pathId;
        checkEndpointUidFree(app.id(), uid, null);
        ep = newEndpoint(app, f, uid);
        created = true;
      } else {
        String uid = f.uid != null ? f.uid : existing.uid();
        checkEndpointUidFree(app.id(), uid, existing.id());
        ep = new StoredEndpoint(existing.id(), app.id(), uid, f.url, f.description == null ? "" : f.description,
          Boolean.TRUE.equals(f.disabled), f.filterTypes, f.channels, f.metadata == null ? Map.of() : f.metadata,
          existing.headers(), existing.secret(), f.version == null ? existing.version() : f.version, f.rateLimit,
          f.throttleRate, existing.createdAt(), now());
        endpoints.put(ep.id(), ep);
        created = false;
      }
    }
    endpointEvent(created ? "endpoint.created" : "endpoint.updated", app, ep);
    return Reply.of(created ? 201 : 200, ep.toJson());
  }

  /** {@code PATCH}: only the fields present change; an explicit null clears a nullable field. */
  private Reply patchEndpoint(RoutingContext ctx) {
    JsonObject b = SvixChecks.parseObject(ctx.body().asString());
    SvixChecks c = new SvixChecks();
    EndpointFields f = endpointFields(b, false, c);
    StoredApp app;
    StoredEndpoint ep;
    synchronized (lock) {
      app = requireApp(ctx);
      StoredEndpoint e = requireEndpoint(ctx);
      c.done();
      checkFilterTypes(b.containsKey("filterTypes") ? f.filterTypes : null);
      String uid = b.containsKey("uid") ? f.uid : e.uid();
      checkEndpointUidFree(app.id(), uid, e.id());
      ep = new StoredEndpoint(e.id(), e.appId(), uid,
        b.containsKey("url") && f.url != null ? f.url : e.url(),
        b.containsKey("description") && f.description != null ? f.description : e.description(),
        b.containsKey("disabled") && f.disabled != null ? f.disabled : e.disabled(),
        b.containsKey("filterTypes") ? emptyToNull(f.filterTypes) : e.filterTypes(),
        b.containsKey("channels") ? emptyToNull(f.channels) : e.channels(),
        b.containsKey("metadata") && f.metadata != null ? f.metadata : e.metadata(),
        e.headers(),
        b.containsKey("secret") ? normalizeSecret(f.secret) : e.secret(),
        b.containsKey("version") && f.version != null ? f.version : e.version(),
        b.containsKey("rateLimit") ? f.rateLimit : e.rateLimit(),
        b.containsKey("throttleRate") ? f.throttleRate : e.throttleRate(),
        e.createdAt(), now());
      endpoints.put(ep.id(), ep);
    }
    endpointEvent("endpoint.updated", app, ep);
    return Reply.of(200, ep.toJson());
  }

  private static List<String> emptyToNull(List<String> l) {
    return l == null || l.isEmpty() ? null : l;
  }

  private Reply deleteEndpoint(RoutingContext ctx) {
    StoredApp app;
    StoredEndpoint ep;
    synchronized (lock) {
      app = requireApp(ctx);
      ep = requireEndpoint(ctx);
      endpoints.remove(ep.id());
    }
    endpointEvent("endpoint.deleted", app, ep);
    return Reply.noContent();
  }

  private Reply getEndpointSecret(RoutingContext ctx) {
    return Reply.of(200, new JsonObject().put("key", requireEndpoint(ctx).secret()));
  }

  /** {@code EndpointSecretRotateIn {key?, gracePeriodSeconds?}}: 204; the old secret's grace period is not modelled. */
  private Reply rotateEndpointSecret(RoutingContext ctx) {
    JsonObject b = SvixChecks.parseObject(ctx.body().asString());
    SvixChecks c = new SvixChecks();
    String key = c.str(b, "key", false, null, null, SvixChecks.SECRET);
    c.integer(b, "gracePeriodSeconds", 0L, 604_800L);
    c.done();
    synchronized (lock) {
      StoredEndpoint e = requireEndpoint(ctx);
      StoredEndpoint ep = new StoredEndpoint(e.id(), e.appId(), e.uid(), e.url(), e.description(), e.disabled(),
        e.filterTypes(), e.channels(), e.metadata(), e.headers(), normalizeSecret(key), e.version(), e.rateLimit(),
        e.throttleRate(), e.createdAt(), now());
      endpoints.put(ep.id(), ep);
    }
    return Reply.noContent();
  }

  /**
   * {@code EventExampleIn {eventType, exampleIndex?}}: a message with the event type's example (its schema "1"'s
   * {@code examples[exampleIndex]}), delivered to this endpoint only; 202 MessageOut.
   */
  private Reply sendExample(RoutingContext ctx) {
    JsonObject b = SvixChecks.parseObject(ctx.body().asString());
    SvixChecks c = new SvixChecks();
    String eventType = c.str(b, "eventType", true, null, 256, ID);
    Long index = c.integer(b, "exampleIndex", 0L, null);
    c.done();
    StoredApp app;
    StoredEndpoint ep;
    StoredMessage msg;
    synchronized (lock) {
      app = requireApp(ctx);
      ep = requireEndpoint(ctx);
      StoredEventType et = eventTypes.get(eventType);
      if (et == null || et.archived()) {
        throw notFound();
      }
      JsonObject schema = et.schemas() == null ? null : et.schemas().getJsonObject("1");
      JsonArray examples = schema == null ? null : schema.getJsonArray("examples");
      int i = index == null ? 0 : index.intValue();
      if (examples == null || examples.size() <= i || !(examples.getValue(i) instanceof JsonObject)) {
        throw error(400, "bad_request", "Event type has no example at index " + i + ".");
      }
      JsonObject payload = examples.getJsonObject(i);
      msg = new StoredMessage(SvixIds.newId("msg_"), app.id(), null, eventType, payload, payload.encode(), null, null,
        now());
      messages.put(msg.id(), msg);
    }
    if (deliveryEnabled) {
      deliver(app, msg, ep, 1);
    }
    return Reply.of(202, msg.toJson(true));
  }

  /**
   * {@code RecoverIn {since, until?}}: every message whose attempts to this endpoint in [since, until) failed, and
   * none succeeded, is attempted again ({@code triggerType} 1); 202 RecoverOut.
   */
  private Reply recover(RoutingContext ctx) {
    JsonObject b = SvixChecks.parseObject(ctx.body().asString());
    Instant since = dateField(b, "since", true);
    Instant until = dateField(b, "until", false);
    StoredApp app;
    StoredEndpoint ep;
    List<StoredMessage> again = new ArrayList<>();
    synchronized (lock) {
      app = requireApp(ctx);
      ep = requireEndpoint(ctx);
      Map<String, List<DeliveryAttempt>> byMsg = new LinkedHashMap<>();
      for (DeliveryAttempt a : List.copyOf(attempts)) {
        if (a.endpointId().equals(ep.id())) {
          byMsg.computeIfAbsent(a.msgId(), k -> new ArrayList<>()).add(a);
        }
      }
      byMsg.forEach((msgId, list) -> {
        boolean failedInWindow = list.stream().anyMatch(a -> !a.succeeded() && !a.start().isBefore(since)
          && (until == null || a.start().isBefore(until)));
        boolean anySuccess = list.stream().anyMatch(DeliveryAttempt::succeeded);
        if (failedInWindow && !anySuccess && messages.containsKey(msgId)) {
          again.add(messages.get(msgId));
        }
      });
    }
    if (deliveryEnabled) {
      StoredApp a = app;
      StoredEndpoint e = ep;
      again.forEach(m -> deliver(a, m, e, 1));
    }
    return Reply.of(202, new JsonObject().put("id", SvixIds.newId("qtask_")).put("status", "running")
      .put("task", "endpoint.recover").put("updatedAt", now().toString()));
  }

  private static Instant dateField(JsonObject b, String name, boolean required) {
    Object v = b.getValue(name);
    if (v == null) {
      if (required) {
        throw invalid(List.of("body", name), "field required", "value_error.missing");
      }
      return null;
    }
    try {
      return OffsetDateTime.parse(String.valueOf(v)).toInstant();
    } catch (RuntimeException e) {
      throw invalid(List.of("body", name), "invalid datetime format", "value_error.datetime");
    }
  }

  /** The {@code status} query parameter (MessageStatus 0-4), or null. */
  private static Integer statusQuery(RoutingContext ctx) {
    String v = ctx.request().getParam("status");
    if (v == null) {
      return null;
    }
    try {
      int s = Integer.parseInt(v);
      if (s < 0 || s > 4) {
        throw new NumberFormatException();
      }
      return s;
    } catch (NumberFormatException e) {
      throw invalid(List.of("query", "status"), "value is not a valid enumeration member; permitted: 0, 1, 2, 3, 4",
        "type_error.enum");
    }
  }

  /** {@code attempt/msg/{msg_id}} (the message's id or eventId): its attempts to every endpoint, newest first. */
  private Reply listAttemptsByMsg(RoutingContext ctx) {
    int limit = limit(ctx);
    String it = iterator(ctx, "atmpt_");
    Integer status = statusQuery(ctx);
    String endpointFilter = ctx.request().getParam("endpoint_id");
    String id = ctx.pathParam("msg_id");
    synchronized (lock) {
      StoredApp app = requireApp(ctx);
      StoredMessage m = messages.get(id);
      if (m == null || !m.appId().equals(app.id())) {
        m = messagesOf(app.id()).stream().filter(x -> id.equals(x.eventId())).findFirst().orElse(null);
      }
      if (m == null) {
        throw notFound();
      }
      String msgId = m.id();
      StoredEndpoint only = endpointFilter == null ? null : findEndpoint(app.id(), endpointFilter);
      List<DeliveryAttempt> list = List.copyOf(attempts).stream()
        .filter(a -> a.msgId().equals(msgId))
        .filter(a -> endpointFilter == null || (only != null && a.endpointId().equals(only.id())))
        .filter(a -> status == null || a.status() == status)
        .sorted(Comparator.comparing(DeliveryAttempt::attemptId)).collect(Collectors.toList());
      return Reply.of(200, page(list, DeliveryAttempt::attemptId, DeliveryAttempt::toJson, it, limit, true));
    }
  }

  /** {@code attempt/endpoint/{endpoint_id}}: the attempts of every message to this endpoint, newest first. */
  private Reply listAttemptsByEndpoint(RoutingContext ctx) {
    int limit = limit(ctx);
    String it = iterator(ctx, "atmpt_");
    Integer status = statusQuery(ctx);
    synchronized (lock) {
      StoredEndpoint ep = requireEndpoint(ctx);
      List<DeliveryAttempt> list = List.copyOf(attempts).stream()
        .filter(a -> a.endpointId().equals(ep.id()))
        .filter(a -> status == null || a.status() == status)
        .sorted(Comparator.comparing(DeliveryAttempt::attemptId)).collect(Collectors.toList());
      return Reply.of(200, page(list, DeliveryAttempt::attemptId, DeliveryAttempt::toJson, it, limit, true));
    }
  }

  /** {@code msg/{msg_id}/endpoint/{endpoint_id}/resend}: one more attempt now ({@code triggerType} 1); 202 {}. */
  private Reply resend(RoutingContext ctx) {
    String id = ctx.pathParam("msg_id");
    StoredApp app;
    StoredMessage m;
    StoredEndpoint ep;
    synchronized (lock) {
      app = requireApp(ctx);
      m = messages.get(id);
      if (m == null || !m.appId().equals(app.id())) {
        m = messagesOf(app.id()).stream().filter(x -> id.equals(x.eventId())).findFirst().orElse(null);
      }
      if (m == null) {
        throw notFound();
      }
      ep = requireEndpoint(ctx);
    }
    if (deliveryEnabled) {
      deliver(app, m, ep, 1);
    }
    return Reply.of(202, new JsonObject());
  }

  /** {@code auth/app-portal-access/{app_id}} (AppPortalAccessIn): 200 {url, token}. */
  private Reply appPortalAccess(RoutingContext ctx) {
    JsonObject b = ctx.body() == null || ctx.body().length() == 0 ? new JsonObject()
      : SvixChecks.parseObject(ctx.body().asString());
    JsonObject application = b.getJsonObject("application");
    synchronized (lock) {
      StoredApp app = findApp(ctx.pathParam("app_id"));
      if (app == null) {
        if (application == null) {
          throw notFound();
        }
        String path = ctx.pathParam("app_id");
        app = newApp(appIn(application), path.startsWith("app_") ? null : path);
      }
      String token = "appsk_" + SvixIds.newId("").substring(0, 27);
      return Reply.of(200, new JsonObject().put("token", token)
        .put("url", serverUrl() + "/app-portal/login#key=" + token + "&app=" + app.id()));
    }
  }

  // =====================================================================================================
  // messages
  // =====================================================================================================

  private Reply listMessages(RoutingContext ctx) {
    int limit = limit(ctx);
    String it = iterator(ctx, "msg_");
    boolean withContent = boolQuery(ctx, "with_content", true);
    String channel = ctx.request().getParam("channel");
    String tag = ctx.request().getParam("tag");
    List<String> types = ctx.queryParam("event_types").stream().flatMap(s -> Arrays.stream(s.split(",")))
      .filter(s -> !s.isEmpty()).collect(Collectors.toList());
    Instant before = dateQuery(ctx, "before");
    Instant after = dateQuery(ctx, "after");
    synchronized (lock) {
      StoredApp app = requireApp(ctx);
      List<StoredMessage> list = messagesOf(app.id()).stream()
        .filter(m -> types.isEmpty() || types.contains(m.eventType()))
        .filter(m -> channel == null || (m.channels() != null && m.channels().contains(channel)))
        .filter(m -> tag == null || (m.tags() != null && m.tags().contains(tag)))
        .filter(m -> before == null || m.timestamp().isBefore(before))
        .filter(m -> after == null || m.timestamp().isAfter(after))
        .sorted(Comparator.comparing(StoredMessage::id)).collect(Collectors.toList());
      // Svix lists messages newest first
      return Reply.of(200, page(list, StoredMessage::id, m -> m.toJson(withContent), it, limit, true));
    }
  }

  private static Instant dateQuery(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    if (v == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (RuntimeException e) {
      throw invalid(List.of("query", name), "invalid datetime format", "value_error.datetime");
    }
  }

  private Reply createMessage(RoutingContext ctx) {
    JsonObject b = SvixChecks.parseObject(ctx.body().asString());
    boolean withContent = boolQuery(ctx, "with_content", true);
    SvixChecks c = new SvixChecks();
    String eventType = c.str(b, "eventType", true, null, 256, ID);
    String eventId = c.str(b, "eventId", false, 1, 256, ID);
    List<String> channels = c.stringSet(b, "channels", 1, 10, SvixChecks.CHANNEL, 128);
    List<String> tags = c.stringSet(b, "tags", null, 5, SvixChecks.TAG, 128);
    c.integer(b, "payloadRetentionPeriod", 1L, 90L);
    c.integer(b, "payloadRetentionHours", 1L, 2160L);
    JsonObject tp = c.object(b, "transformationsParams", false);
    JsonObject application = c.object(b, "application", false);
    AppIn appIn = null;
    if (application != null) {
      try {
        appIn = appIn(application);
      } catch (SvixHttpException e) {
        c.add(List.of("body", "application"), "invalid application", "value_error");
      }
    }
    // The SDK puts MessageIn.payload (a JSON string) in transformationsParams.rawPayload and sends payload {}.
    JsonObject payload = null;
    String raw = null;
    Object rawPayload = tp == null ? null : tp.getValue("rawPayload");
    if (rawPayload != null) {
      if (!(rawPayload instanceof String)) {
        c.add(List.of("body", "transformationsParams", "rawPayload"), "str type expected", "type_error.str");
      } else {
        raw = (String) rawPayload;
        try {
          Object v = Json.decodeValue(raw);
          payload = v instanceof JsonObject ? (JsonObject) v : new JsonObject();
        } catch (DecodeException e) {
          payload = new JsonObject();
        }
      }
      if (!b.containsKey("payload")) {
        c.add(List.of("body", "payload"), "field required", "value_error.missing");
      }
    } else {
      payload = c.object(b, "payload", true);
      raw = payload == null ? null : payload.encode();
    }
    c.done();

    StoredApp app;
    StoredMessage msg;
    List<StoredEndpoint> targets;
    synchronized (lock) {
      String appPath = ctx.pathParam("app_id");
      app = findApp(appPath);
      if (app == null) {
        if (appIn == null) {
          throw notFound();
        }
        String uid = appIn.uid != null ? appIn.uid : (appPath.startsWith("app_") ? null : appPath);
        app = newApp(appIn, uid);
      }
      final String appId = app.id();
      if (eventId != null && messagesByEventId.containsKey(appId + "\n" + eventId)) {
        throw conflict("A message with this eventId already exists.");
      }
      msg = new StoredMessage(SvixIds.newId("msg_"), appId, eventId, eventType, payload, raw, channels, tags,
        now());
      messages.put(msg.id(), msg);
      if (eventId != null) {
        messagesByEventId.put(appId + "\n" + eventId, msg);
        eventIdIndex.put(eventId, msg);
      }
      targets = endpointsOf(appId).stream().filter(e -> e.accepts(eventType, msg.channels()))
        .collect(Collectors.toList());
    }
    if (deliveryEnabled) {
      StoredApp a = app;
      targets.forEach(ep -> deliver(a, msg, ep));
    }
    return Reply.of(202, msg.toJson(withContent));
  }

  private Reply getMessage(RoutingContext ctx) {
    boolean withContent = boolQuery(ctx, "with_content", true);
    String id = ctx.pathParam("msg_id");
    synchronized (lock) {
      StoredApp app = requireApp(ctx);
      StoredMessage m = messages.get(id);
      if (m == null || !m.appId().equals(app.id())) {
        m = messagesOf(app.id()).stream().filter(x -> id.equals(x.eventId())).findFirst().orElse(null);
      }
      if (m == null) {
        throw notFound();
      }
      return Reply.of(200, m.toJson(withContent));
    }
  }
}
