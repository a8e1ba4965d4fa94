package io.daytona.webhooks.realtime;

import io.daytona.webhooks.ServiceContext;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.http.BodyBudget;
import io.vertx.core.Vertx;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;

import java.util.regex.Pattern;

/**
 * The routes of real-time updates that the HTTP verticle mounts before the API: the SockJS event
 * bus bridge at {@code /api/webhook-socket.io/*}, the dashboard page at {@code /} and the customer
 * portal at {@code /portal} with their assets (no credentials needed for the pages: they read the
 * token from the URL fragment, which never reaches the server; the REST API and the bridge check it).
 * Every page and asset goes out with {@link #pageHeaders}: a Content-Security-Policy with no inline
 * script and no outside host, {@code frame-ancestors} from {@code PORTAL_FRAME_ANCESTORS},
 * {@code X-Content-Type-Options: nosniff} and {@code Referrer-Policy: no-referrer}.
 */
public final class RealtimeRoutes {

  public static final String SOCKET_PATH = "/api/webhook-socket.io";
  /** The sockjs-client webjar on the class path (version pinned in the pom). */
  static final String SOCKJS_CLIENT = "/webjars/sockjs-client/1.6.1/dist/sockjs.min.js";

  /** Heartbeat frames keep proxies from closing quiet sockets. */
  static final long HEARTBEAT_MS = 25_000;
  /** A polling session without a client connection for this long is closed. */
  static final long SESSION_TIMEOUT_MS = 10_000;
  /** Streaming transports reopen after this many bytes, so the browser never holds much. */
  static final int MAX_BYTES_STREAMING = 128 * 1024;
  /** A socket that has not pinged (the JS client pings every 5 s) for this long is closed. */
  static final long PING_TIMEOUT_MS = 30_000;
  static final long REPLY_TIMEOUT_MS = 10_000;
  static final int MAX_HANDLERS_PER_SOCKET = 32;
  /** Largest body of an {@code xhr_send}/{@code jsonp_send} POST (bridge frames are small); over it: 413. */
  static final int MAX_SEND_BYTES = 64 * 1024;
  /** Largest declared body of an oversized frame POST that is read (and dropped) before its 413. */
  static final int MAX_DRAINED_BYTES = 1024 * 1024;

  private RealtimeRoutes() {
  }

  /** The dashboard and its assets: served as their declared type only, and no referrer leaves the page. */
  private static void pageHeaders(RoutingContext rc) {
    rc.response().putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer");
    rc.next();
  }

  /** @param vertx the Vert.x of the HTTP verticle */
  public static Router create(Vertx vertx, ServiceContext ctx, RealtimeSessions sessions) {
    Router router = Router.router(vertx);

    SockJSHandlerOptions sockJsOptions = new SockJSHandlerOptions()
      .setHeartbeatInterval(HEARTBEAT_MS)
      .setSessionTimeout(SESSION_TIMEOUT_MS)
      .setMaxBytesStreaming(MAX_BYTES_STREAMING)
      .setInsertJSESSIONID(false)
      .setLibraryURL(SOCKJS_CLIENT);
    SockJSBridgeOptions bridgeOptions = new SockJSBridgeOptions()
      .addOutboundPermitted(new PermittedOptions().setAddressRegex(Pattern.quote(Addresses.ORG_PREFIX) + ".+"))
      .addOutboundPermitted(new PermittedOptions().setAddress(Addresses.ADMIN))
      // no inbound permitted: nothing may be sent or published into the bus from a browser
      .setPingTimeout(PING_TIMEOUT_MS)
      .setReplyTimeout(REPLY_TIMEOUT_MS)
      .setMaxHandlersPerSocket(MAX_HANDLERS_PER_SOCKET)
      .setMaxAddressLength(300);
    Router bridge = SockJSHandler.create(vertx, sockJsOptions)
      .bridge(bridgeOptions, new RealtimeBridge(ctx.authenticator(), sessions, ctx.meters()));
    // the xhr and jsonp transports POST their frames: SockJS reads them from the routing context,
    // so a size-limited BodyHandler runs first (only on those POSTs; WebSocket upgrades and
    // streaming/polling responses are never buffered)
    String framePosts = Pattern.quote(SOCKET_PATH) + "/[^/.]+/[^/.]+/(?:xhr_send|jsonp_send)";
    router.postWithRegex(framePosts).handler(RealtimeRoutes::refuseDeclaredOversize);
    router.postWithRegex(framePosts).handler(BodyHandler.create(false).setBodyLimit(MAX_SEND_BYTES));
    router.route(SOCKET_PATH + "/*").subRouter(bridge);

    String csp = contentSecurityPolicy(ctx.config().portalFrameAncestors);
    for (String page : new String[] {"/", "/portal", "/assets/*", "/webjars/*"}) {
      router.get(page).handler(rc -> {
        pageHeaders(rc.response().headers(), csp);
        rc.next();
      });
    }
    // the portal page itself (its script and style are under /assets/); revalidated on every visit, so a new
    // release's page never runs with an old script
    router.get("/portal").handler(rc -> rc.response()
      .putHeader("Content-Type", "text/html; charset=utf-8")
      .putHeader("Cache-Control", "no-cache")
      .sendFile("webroot/portal.html")
      .onFailure(rc::fail));
    // a StaticHandler on "/x/*" serves the part after "/x/": each one's root is that directory
    router.get("/").handler(RealtimeRoutes::pageHeaders).handler(StaticHandler.create("webroot").setIndexPage("index.html")
      .setDefaultContentEncoding("UTF-8"));
    router.get("/assets/*").handler(RealtimeRoutes::pageHeaders)
      .handler(StaticHandler.create("webroot/assets").setDefaultContentEncoding("UTF-8"));
    router.get("/webjars/*").handler(RealtimeRoutes::pageHeaders).handler(StaticHandler.create("META-INF/resources/webjars"));
    return router;
  }

  /**
   * The pages' policy: everything from this origin only (scripts, styles, images, the REST API and the
   * bridge's WebSocket/XHR), no inline script, no plugins, forms and {@code <base>} only to here, and framing
   * only by {@code frameAncestors}.
   */
  static String contentSecurityPolicy(String frameAncestors) {
    return "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
      + "frame-ancestors " + frameAncestors;
  }

  /**
   * A frame POST that declares a body over {@link #MAX_SEND_BYTES} is refused with an answer that names this limit
   * (the body handler's own 413 would be described as the REST API's). Up to {@link #MAX_DRAINED_BYTES} the body
   * is read and dropped first, never kept: a connection closed with a body still unread is reset, and the client
   * can lose the answer with it. A larger one is refused at once.
   */
  private static void refuseDeclaredOversize(RoutingContext rc) {
    var request = rc.request();
    long bytes = BodyBudget.declaredLength(request).orElse(-1);
    if (bytes <= MAX_SEND_BYTES) {
      rc.next();
      return;
    }
    HttpException refused = new HttpException(413, "A frame POST of the real-time bridge is larger than "
      + MAX_SEND_BYTES / 1024 + " KiB.");
    if (bytes > MAX_DRAINED_BYTES || request.isEnded()) {
      rc.fail(refused);
      return;
    }
    boolean[] answered = {false};
    Runnable answer = () -> {
      if (!answered[0]) {
        answered[0] = true;
        rc.fail(refused);
      }
    };
    request.exceptionHandler(err -> answer.run())
      .handler(ignored -> { })
      .endHandler(v -> answer.run())
      .resume();
  }

  static void pageHeaders(io.vertx.core.MultiMap headers, String csp) {
    headers.set("Content-Security-Policy", csp)
      .set("X-Content-Type-Options", "nosniff")
      .set("Referrer-Policy", "no-referrer");
  }
}
