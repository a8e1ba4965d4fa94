package io.daytona.webhooks.http;

import io.daytona.webhooks.OrganizationIds;
import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.auth.Principal;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.bus.ApiError;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.ValidatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.OptionalLong;

/**
 * The REST face of the service. Requests are validated against {@code openapi.yaml}, authenticated,
 * scoped, and sent on the event bus to {@code webhooks.api.<operationId>}; the reply becomes the
 * response. Also serves health, metrics and the contract itself.
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

  public static final String BASE_PATH = "/api/webhooks";
  public static final long BODY_LIMIT = 1024 * 1024;
  private static final String PRINCIPAL = "webhooks.principal";
  /** How long an operation may take unless its contract says otherwise ({@code x-timeout-ms}). */
  private static final long OPERATION_TIMEOUT_MS = 60_000;

  private final ServiceContext ctx;
  private final Contract contract;
  private final Router extraRoutes;
  private final BodyBudget bodies;
  private HttpServer server;

  /** {@code openapi.yaml} as served ({@code text}) and as parsed for the router. */
  public record Contract(OpenAPIContract parsed, Buffer text) {
  }

  /**
   * Reads and parses {@code openapi.yaml} (about a second of start-up: the service starts it
   * while the database is being migrated). One parsed contract serves every HTTP instance.
   */
  public static Future<Contract> loadContract(Vertx vertx) {
    return vertx.fileSystem().readFile("openapi.yaml")
      .compose(text -> OpenAPIContract.from(vertx, ContractLoader.forRouter(text.toString()))
        .map(parsed -> new Contract(new CachingContract(parsed), text)));
  }

  /**
   * @param extraRoutes routes other concerns mount before the API (SockJS bridge, dashboard); may be null
   */
  public HttpVerticle(ServiceContext ctx, Contract contract, Router extraRoutes, BodyBudget bodies) {
    this.bodies = bodies;
    this.ctx = ctx;
    this.contract = contract;
    this.extraRoutes = extraRoutes;
  }

  @Override
  public Future<?> start() {
    return Future.succeededFuture(router(contract.parsed(), contract.text()))
      .compose(root -> {
        server = vertx.createHttpServer(new HttpServerOptions()
          .setHost(ctx.config().httpHost)
          .setPort(ctx.config().httpPort)
          .setCompressionSupported(true)
          .setIdleTimeout((int) ctx.config().limits.httpIdleTimeout().toSeconds())
          .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS)
          // HTTP/1.1 keep-alive serves every client here; no cleartext HTTP/2 upgrade (the hang once
          // blamed on it was a connection accepted before the server's metrics existed: SafeServerMetrics)
          .setHttp2ClearTextEnabled(false));
        return server.requestHandler(root).listen();
      })
      .onSuccess(s -> LOG.info("HTTP API listening on http://{}:{}{}", ctx.config().httpHost, s.actualPort(), BASE_PATH));
  }

  /** The port actually bound (differs from the configured one when that was 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private Router router(OpenAPIContract contract, Buffer contractText) {
    Router root = Router.router(vertx);
    root.route().failureHandler(this::failure);
    root.errorHandler(404, rc -> Problems.send(rc, 404, "No such resource: " + rc.request().path()));
    root.errorHandler(405, rc -> Problems.send(rc, 405, "Method " + rc.request().method() + " is not allowed here."));
    root.errorHandler(500, rc -> Problems.send(rc, 500, "Internal error."));

    HealthCheckHandler live = HealthCheckHandler.create(vertx);
    live.register("event-loop", promise -> promise.complete(Status.OK()));
    HealthCheckHandler ready = HealthCheckHandler.create(vertx);
    ready.register("database", 3_000, promise -> ctx.database().pool().query("SELECT 1").execute()
      .onComplete(ar -> promise.complete(ar.succeeded() ? Status.OK() : Status.KO())));
    root.get("/health/live").handler(live);
    root.get("/health/ready").handler(ready);
    root.get("/metrics").handler(PrometheusScrapingHandler.create(ctx.metricsRegistryName()));
    root.get("/openapi.yaml").handler(rc -> rc.response().putHeader("Content-Type", "application/yaml").end(contractText));
    if (extraRoutes != null) {
      root.route("/*").subRouter(extraRoutes);
    }

    RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
    // authentication first: a caller without valid credentials is refused before its body is read
    // a security-policy handler: vertx-web lets only those (and platform ones) run ahead of the body handler
    builder.rootHandler((io.vertx.ext.web.handler.SecurityPolicyHandler) rc -> authenticate(rc, contract));
    builder.rootHandler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
    for (OpenAPIRoute route : builder.getRoutes()) {
      Operation op = route.getOperation();
      route.addHandler(rc -> authorize(rc, op));
      route.addHandler(rc -> forward(rc, op));
    }
    Router api = builder.createRouter();
    api.route().failureHandler(this::failure);
    root.route(BASE_PATH + "/*").subRouter(api);
    return root;
  }

  /**
   * Every operation not marked {@code x-auth: public} needs valid credentials (401 otherwise), checked
   * before the body is read: the request stays paused during the look-up, and a refused caller's body
   * is never buffered (the connection is closed after the 401 when the body has not all arrived).
   */
  private void authenticate(RoutingContext rc, OpenAPIContract contract) {
    Operation op = contract.findOperation(rc.request().path(), rc.request().method());
    if (op == null) {
      rc.next();
      return;
    }
    if ("public".equals(op.getExtensions().get("x-auth"))) {
      ApiError refused = Boolean.TRUE.equals(op.getExtensions().get("x-raw-body")) ? signatureHeaders(rc) : null;
      if (refused != null) {
        refuseUnread(rc, refused);
        return;
      }
      if (reserveBody(rc)) {
        rc.next();
      }
      return;
    }
    var request = rc.request();
    request.pause();
    ctx.authenticator()
      .authenticate(request.getHeader("Authorization"), request.getHeader("X-API-Key"))
      .onSuccess(p -> {
        rc.put(PRINCIPAL, p);
        if (!reserveBody(rc)) {
          return;
        }
        rc.next();
        request.resume();
      })
      .onFailure(err -> refuseUnread(rc, err));
  }

  /**
   * A signed (public, raw-body) operation: the Standard Webhooks headers must be there and the timestamp
   * within the 5-minute tolerance before the body is read; the signature itself is checked by the receiver.
   */
  private static ApiError signatureHeaders(RoutingContext rc) {
    var request = rc.request();
    String timestamp = request.getHeader("svix-timestamp");
    if (request.getHeader("svix-id") == null || timestamp == null || request.getHeader("svix-signature") == null) {
      return new ApiError(401, "The svix-id, svix-timestamp and svix-signature headers are required.");
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp.trim());
    } catch (NumberFormatException e) {
      return new ApiError(401, "The svix-timestamp header is not a Unix timestamp.");
    }
    if (Math.abs(System.currentTimeMillis() / 1000 - seconds) > 300) {
      return new ApiError(401, "The svix-timestamp header lies more than 5 minutes from now.");
    }
    return null;
  }

  /**
   * Reserves the request's body in the node's {@link BodyBudget} until its response ends; when the budget is
   * spent, answers 503 with {@code Retry-After} without reading the body (false).
   */
  private boolean reserveBody(RoutingContext rc) {
    var request = rc.request();
    if (request.isEnded()) {
      return true; // nothing more to read (no body, or one that has arrived already)
    }
    if (request.getHeader("Content-Length") == null && request.version() != io.vertx.core.http.HttpVersion.HTTP_2
      && request.getHeader("Transfer-Encoding") == null) {
      return true; // HTTP/1.x with neither header: no body
    }
    // chunked, or a length that is not a number: as much as the limit lets it send
    OptionalLong declared = BodyBudget.declaredLength(request);
    long bytes = declared.isPresent() ? Math.min(BODY_LIMIT, Math.max(0, declared.getAsLong())) : BODY_LIMIT;
    if (bytes == 0) {
      return true;
    }
    if (!bodies.tryReserve(bytes)) {
      refuseUnread(rc, new ApiError(503, "The service is reading as many request bodies as it can hold right now; "
        + "nothing was accepted, send again shortly.", 1, null));
      return false;
    }
    long reservation = bytes;
    rc.addEndHandler(ended -> bodies.release(reservation));
    return true;
  }

  /** Fails the request before its body is read; a body still arriving is not read: the connection closes. */
  private void refuseUnread(RoutingContext rc, Throwable err) {
    var request = rc.request();
    if (!request.isEnded()) {
      rc.response().putHeader("Connection", "close");
      // the paused request never ends, so the connection would wait for it (holding what it had read of the
      // body) until the idle timeout: it is closed as soon as the answer is written
      rc.response().endHandler(v -> {
        if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
          rc.response().reset();
        } else {
          request.connection().close();
        }
      });
    }
    rc.fail(err);
  }

  /**
   * Organization scoping, in one place: any route with an {@code {organizationId}} needs access to
   * it; {@code x-auth: admin} operations need an admin.
   */
  private void authorize(RoutingContext rc, Operation op) {
    Object mode = op.getExtensions().get("x-auth");
    if ("public".equals(mode)) {
      rc.next();
      return;
    }
    Principal p = rc.get(PRINCIPAL);
    if (p == null) {
      rc.fail(new ApiError(401, "Credentials are required."));
      return;
    }
    if ("admin".equals(mode) && !p.admin()) {
      rc.fail(new ApiError(403, "This operation needs an admin (role 'admin' or an admin API key)."));
      return;
    }
    if (p.portal() && "deny".equals(op.getExtensions().get("x-portal"))) {
      rc.fail(new ApiError(403, "A portal token cannot be used for this operation."));
      return;
    }
    String org = rc.pathParam("organizationId");
    if (org != null && !OrganizationIds.valid(org)) {
      rc.fail(ApiError.badRequest("/path/organizationId", "organizationId " + OrganizationIds.RULE));
      return;
    }
    if (org != null && !p.canAccess(org)) {
      rc.fail(new ApiError(403, "These credentials do not give access to organization '" + org + "'."));
      return;
    }
    rc.next();
  }

  private void forward(RoutingContext rc, Operation op) {
    ValidatedRequest request = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    Principal p = rc.get(PRINCIPAL);
    JsonObject message = new JsonObject()
      .put("operationId", op.getOperationId())
      .put("path", params(request.getPathParameters()))
      .put("query", params(request.getQuery()))
      .put("headers", params(request.getHeaders()))
      .put("body", request.getBody() == null || request.getBody().isNull() ? null : request.getBody().get())
      .put("principal", p == null ? null : p.toJson())
      .put("baseUrl", baseUrl(rc));
    if (Boolean.TRUE.equals(op.getExtensions().get("x-raw-body")) && rc.body() != null) {
      message.put("rawBody", rc.body().asString());
      // Signatures cover exact bytes: pass the declared headers as received, because the contract
      // validator form-decodes header values ('+' in a base64 signature becomes ' ').
      JsonObject headers = message.getJsonObject("headers");
      for (String name : java.util.List.copyOf(headers.fieldNames())) {
        String asReceived = rc.request().getHeader(name);
        if (asReceived != null) {
          headers.put(name, asReceived);
        }
      }
    }
    Object timeout = op.getExtensions().get("x-timeout-ms");
    long timeoutMs = timeout instanceof Number n ? n.longValue() : OPERATION_TIMEOUT_MS;
    vertx.eventBus().<JsonObject>request(Addresses.api(op.getOperationId()), message,
        new DeliveryOptions().setSendTimeout(timeoutMs))
      .onSuccess(reply -> respond(rc, reply.body()))
      .onFailure(err -> Problems.send(rc, FailureStatus.of(err)));
  }

  /** Where the caller reached this service ({@code scheme://host[:port]}), for links handed back to it. */
  private static String baseUrl(RoutingContext rc) {
    var authority = rc.request().authority();
    String host = authority == null ? "127.0.0.1" : authority.toString();
    return rc.request().scheme() + "://" + host;
  }

  private static JsonObject params(Map<String, RequestParameter> params) {
    JsonObject out = new JsonObject();
    if (params != null) {
      params.forEach((name, value) -> {
        if (value != null && !value.isNull()) {
          out.put(name, value.get());
        }
      });
    }
    return out;
  }

  private static void respond(RoutingContext rc, JsonObject reply) {
    int status = reply.getInteger("status", 200);
    var response = rc.response().setStatusCode(status);
    JsonObject headers = reply.getJsonObject("headers");
    if (headers != null) {
      headers.forEach(h -> response.putHeader(h.getKey(), String.valueOf(h.getValue())));
    }
    Object body = reply.getValue("body");
    if (status == 204 || body == null && !reply.containsKey("body")) {
      response.end();
      return;
    }
    response.putHeader("Content-Type", "application/json").end(Json.encodeToBuffer(body));
  }

  private static String detailFor(int status, String payload) {
    return switch (status) {
      case 413 -> payload != null ? payload : "The request body is larger than 1 MiB.";
      case 415 -> "The request body must be application/json.";
      default -> payload;
    };
  }

  private void failure(RoutingContext rc) {
    Throwable failure = rc.failure();
    if (failure instanceof HttpException he && he.getCause() instanceof ValidatorException ve) {
      Problems.send(rc, ValidationProblems.from(ve));
      return;
    }
    if (failure instanceof ApiError || failure instanceof io.daytona.webhooks.provider.ProviderFailure) {
      Problems.send(rc, FailureStatus.of(failure));
      return;
    }
    if (failure instanceof HttpException he) {
      if (he.getCause() instanceof ApiError e) {
        Problems.send(rc, e);
        return;
      }
      Problems.send(rc, he.getStatusCode(), detailFor(he.getStatusCode(), he.getPayload()));
      return;
    }
    int status = rc.statusCode();
    if (failure == null && status >= 400) {
      Problems.send(rc, status, detailFor(status, null));
      return;
    }
    LOG.error("Unhandled failure on {} {}", rc.request().method(), rc.request().path(), failure);
    Problems.send(rc, 500, "Internal error.");
  }
}
