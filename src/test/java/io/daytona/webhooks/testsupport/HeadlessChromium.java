package io.daytona.webhooks.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's headless Chromium driven over the DevTools protocol (the approach of DashboardBrowserTest, shared):
 * one page target, evaluation in the page, waits that resolve inside the page (nothing polls from the test),
 * key presses, viewport sizes, screenshots into {@code target/}, and every console error, uncaught exception
 * and browser log error (failed loads, CSP refusals) the page produced. {@link #requireOrSkip()} skips the
 * calling test class without Chromium unless {@code WEBHOOKS_REQUIRE_CHROMIUM} is set (CI), where it fails.
 */
public final class HeadlessChromium implements AutoCloseable {

  public static final Path CHROMIUM = Paths.get(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final Vertx vertx;
  private final Process process;
  private final Path profile;
  private final int port;
  /** Held for the whole run: an unreferenced Vert.x client may be cleaned (closed) by the GC. */
  private final WebSocketClient client;
  private final WebSocket devtools;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();

  /** Skips (assumption) without Chromium, or fails when {@code WEBHOOKS_REQUIRE_CHROMIUM} is set. */
  public static void requireOrSkip() {
    String missing = CHROMIUM + " is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests";
    if (System.getenv("WEBHOOKS_REQUIRE_CHROMIUM") != null) {
      assertThat(Files.isExecutable(CHROMIUM)).as(missing).isTrue();
    } else {
      org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), missing);
    }
  }

  private HeadlessChromium(Vertx vertx, Process process, Path profile, int port, WebSocketClient client, WebSocket devtools) {
    this.vertx = vertx;
    this.process = process;
    this.profile = profile;
    this.port = port;
    this.client = client;
    this.devtools = devtools;
  }

  /** Starts Chromium ({@code log} under target/) and attaches to its blank page. */
  public static HeadlessChromium start(Vertx vertx, String log) throws Exception {
    Files.createDirectories(Paths.get("target"));
    Path profile = Files.createTempDirectory("chromium-profile");
    Process process = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
      "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--remote-debugging-port=0",
      "--remote-debugging-address=127.0.0.1", "--window-size=1280,1100", "about:blank")
      .redirectErrorStream(true)
      .redirectOutput(Paths.get("target", log).toFile())
      .start();
    try {
      // Chromium writes "<port>\n<browser ws path>" once its DevTools server listens
      Path portFile = profile.resolve("DevToolsActivePort");
      await(vertx, () -> read(portFile).contains("\n"));
      int port = Integer.parseInt(read(portFile).split("\n")[0].trim());
      WebClient web = WebClient.create(vertx);
      // the page target ("about:blank") may appear a moment after the port file
      JsonObject[] page = new JsonObject[1];
      await(vertx, () -> {
        if (page[0] == null) {
          web.get(port, "127.0.0.1", "/json/list").send().onSuccess(r -> r.bodyAsJsonArray().stream()
            .map(JsonObject.class::cast).filter(t -> "page".equals(t.getString("type"))).findFirst()
            .ifPresent(t -> page[0] = t));
        }
        return page[0] != null;
      });
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(64 * 1024 * 1024).setMaxMessageSize(256 * 1024 * 1024));
      WebSocket ws = block(client.connect(new WebSocketConnectOptions()
        .setAbsoluteURI(page[0].getString("webSocketDebuggerUrl"))));
      HeadlessChromium chromium = new HeadlessChromium(vertx, process, profile, port, client, ws);
      ws.textMessageHandler(chromium::onMessage);
      ws.exceptionHandler(err -> chromium.pending.values().forEach(p -> p.tryFail(err)));
      ws.closeHandler(v -> chromium.pending.values().forEach(p -> p.tryFail("DevTools socket closed")));
      chromium.call("Runtime.enable", new JsonObject());
      chromium.call("Page.enable", new JsonObject());
      chromium.call("Log.enable", new JsonObject());
      return chromium;
    } catch (Exception | AssertionError e) {
      process.destroyForcibly();
      throw e;
    }
  }

  private void onMessage(String text) {
    JsonObject m = new JsonObject(text);
    Integer id = m.getInteger("id");
    if (id == null) {
      onEvent(m.getString("method", ""), m.getJsonObject("params", new JsonObject()));
      return;
    }
    Promise<JsonObject> p = pending.remove(id);
    if (p != null) {
      if (m.containsKey("error")) {
        p.fail("DevTools call " + id + " failed: " + m.getJsonObject("error").encode());
      } else {
        p.complete(m.getJsonObject("result"));
      }
    }
  }

  private void onEvent(String method, JsonObject params) {
    switch (method) {
      case "Runtime.consoleAPICalled" -> {
        if ("error".equals(params.getString("type")) || "assert".equals(params.getString("type"))) {
          errors.add("console." + params.getString("type") + ": " + params.getJsonArray("args", new JsonArray()).encode());
        }
      }
      case "Runtime.exceptionThrown" -> errors.add("uncaught: " + params.getJsonObject("exceptionDetails", new JsonObject()).encode());
      case "Log.entryAdded" -> {
        JsonObject entry = params.getJsonObject("entry", new JsonObject());
        if ("error".equals(entry.getString("level"))) {
          errors.add(entry.getString("source") + ": " + entry.getString("text") + " " + entry.getString("url", ""));
        }
      }
      default -> {
      }
    }
  }

  /** Every console error, uncaught exception and browser error logged since start or the last {@link #clearErrors()}. */
  public List<String> errors() {
    return new ArrayList<>(errors);
  }

  public void clearErrors() {
    errors.clear();
  }

  public Future<JsonObject> send(String method, JsonObject params) {
    int id = ids.incrementAndGet();
    Promise<JsonObject> p = Promise.promise();
    pending.put(id, p);
    devtools.writeTextMessage(new JsonObject().put("id", id).put("method", method).put("params", params).encode())
      .onFailure(p::tryFail);
    return p.future();
  }

  public JsonObject call(String method, JsonObject params) {
    return block(send(method, params));
  }

  /** Evaluates {@code expression} in the page (promises awaited) and answers its value. */
  public Object eval(String expression) {
    JsonObject result = call("Runtime.evaluate", new JsonObject().put("expression", expression)
      .put("returnByValue", true).put("awaitPromise", true));
    if (result.containsKey("exceptionDetails")) {
      throw new IllegalStateException(expression + ": " + result.getJsonObject("exceptionDetails").encode());
    }
    return result.getJsonObject("result").getValue("value");
  }

  public String text(String selector) {
    return (String) eval("(document.querySelector(" + js(selector) + ") || {innerText: ''}).innerText");
  }

  /** Clicks the element (after scrolling it into view), as a user would (a user gesture: it may open a window). */
  public void click(String selector) {
    JsonObject result = call("Runtime.evaluate", new JsonObject().put("expression",
        "(() => { const e = document.querySelector(" + js(selector) + "); if (!e) { return false; }"
          + " e.scrollIntoView({block: 'center'}); e.click(); return true; })()")
      .put("returnByValue", true).put("userGesture", true));
    assertThat(result.getJsonObject("result").getValue("value")).as("an element %s to click", selector).isEqualTo(Boolean.TRUE);
  }

  /**
   * Waits until the browser has a page (tab or window) whose URL and title match, e.g. one the page opened
   * with {@code window.open}; answers its DevTools target ({@code url}, {@code title}, {@code id}), or null.
   */
  public JsonObject awaitPage(java.util.function.Predicate<JsonObject> matches, Duration timeout) {
    WebClient web = WebClient.create(vertx);
    Promise<JsonObject> found = Promise.promise();
    long deadline = System.nanoTime() + timeout.toNanos();
    vertx.setPeriodic(100, id -> web.get(port, "127.0.0.1", "/json/list").send().onComplete(ar -> {
      if (found.future().isComplete()) {
        vertx.cancelTimer(id);
        return;
      }
      JsonObject page = ar.failed() ? null : ar.result().bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(t -> "page".equals(t.getString("type"))).filter(matches).findFirst().orElse(null);
      if (page != null || System.nanoTime() > deadline) {
        vertx.cancelTimer(id);
        found.tryComplete(page);
      }
    }));
    try {
      return block(found.future(), timeout.plusSeconds(5));
    } finally {
      web.close();
    }
  }

  /**
   * Closes another page (by its target id) and brings this one to the front again: a page in the background
   * is not rendered, so a screenshot of it would never come.
   */
  public void closePage(String targetId) {
    WebClient web = WebClient.create(vertx);
    try {
      block(web.get(port, "127.0.0.1", "/json/close/" + targetId).send());
    } finally {
      web.close();
    }
    call("Page.bringToFront", new JsonObject());
  }

  /** Every page target of the browser ({@code url}, {@code title}, {@code id}). */
  public List<JsonObject> pages() {
    WebClient web = WebClient.create(vertx);
    try {
      return block(web.get(port, "127.0.0.1", "/json/list").send()).bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .filter(t -> "page".equals(t.getString("type"))).toList();
    } finally {
      web.close();
    }
  }

  /** Sets a form control's value and fires input/change, as typing and picking would. */
  public void fill(String selector, String value) {
    Object ok = eval("(() => { const e = document.querySelector(" + js(selector) + "); if (!e) { return false; }"
      + " e.focus(); e.value = " + js(value) + "; e.dispatchEvent(new Event('input', {bubbles: true}));"
      + " e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()");
    assertThat(ok).as("a form control %s", selector).isEqualTo(Boolean.TRUE);
  }

  /** A real key press on the focused element ({@code key} as in KeyboardEvent.key, e.g. ArrowRight, Enter, Tab). */
  public void press(String key, String code, int keyCode) {
    call("Input.dispatchKeyEvent", new JsonObject().put("type", "keyDown").put("key", key).put("code", code)
      .put("windowsVirtualKeyCode", keyCode));
    call("Input.dispatchKeyEvent", new JsonObject().put("type", "keyUp").put("key", key).put("code", code)
      .put("windowsVirtualKeyCode", keyCode));
  }

  /**
   * Waits in the page for {@code condition} (checked every 100 ms by the page's own timer) and answers whether
   * it held within {@code timeout}: one DevTools call that resolves when the condition holds.
   */
  public boolean waitFor(String condition, Duration timeout) {
    String expression = "new Promise(resolve => { const until = Date.now() + " + timeout.toMillis() + ";"
      + " const check = () => { let ok = false; try { ok = !!(" + condition + "); } catch (e) { ok = false; }"
      + " if (ok) { resolve(true); } else if (Date.now() > until) { resolve(false); } else { setTimeout(check, 100); } };"
      + " check(); })";
    JsonObject result = block(send("Runtime.evaluate", new JsonObject().put("expression", expression)
      .put("awaitPromise", true).put("returnByValue", true)), timeout.plusSeconds(10));
    return Boolean.TRUE.equals(result.getJsonObject("result").getValue("value"));
  }

  /** Navigates and waits until the new document (not about:blank) has finished loading. */
  public void navigate(String url) {
    call("Page.navigate", new JsonObject().put("url", url));
    assertThat(waitFor("location.origin !== 'null' && document.readyState === 'complete'", WAIT))
      .as("the page %s loaded", url).isTrue();
  }

  /** Leaves the current page for about:blank (so that the next navigation loads a new document). */
  public void blank() {
    call("Page.navigate", new JsonObject().put("url", "about:blank"));
    assertThat(waitFor("location.href === 'about:blank' && document.readyState === 'complete'", WAIT)).isTrue();
  }

  /** The viewport's CSS size (phone: mobile emulation, touch off). */
  public void viewport(int width, int height) {
    call("Emulation.setDeviceMetricsOverride", new JsonObject().put("width", width).put("height", height)
      .put("deviceScaleFactor", 1).put("mobile", width < 600));
  }

  /** A full-page PNG as {@code target/<name>.png}; answers the path. */
  public Path screenshot(String name) throws Exception {
    JsonObject shot = call("Page.captureScreenshot", new JsonObject().put("format", "png").put("captureBeyondViewport", true));
    Path png = Paths.get("target", name + ".png");
    Files.write(png, Base64.getDecoder().decode(shot.getString("data")));
    return png;
  }

  /** A JavaScript string literal of {@code s}. */
  public static String js(String s) {
    return new JsonArray().add(s).encode().replaceAll("^\\[|]$", "");
  }

  @Override
  public void close() throws Exception {
    try {
      devtools.close();
    } catch (Exception ignored) {
      // closing anyway
    }
    // Chromium's helper processes outlive the browser process for a moment and keep writing its profile
    java.util.List<ProcessHandle> helpers = process.descendants().toList();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    for (ProcessHandle h : helpers) {
      h.destroy();
      try {
        h.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception stillThere) {
        h.destroyForcibly();
      }
    }
    // a file that vanishes while the profile is walked is one less to delete: try again, never fail a test on it
    for (int attempt = 0; attempt < 3 && Files.exists(profile); attempt++) {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (java.io.UncheckedIOException | java.io.IOException vanished) {
        Thread.sleep(100);
      }
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (Exception e) {
      return "";
    }
  }

  /** Waits, on a Vert.x timer, for a condition checked without blocking. */
  private static void await(Vertx vertx, BooleanSupplier condition) {
    Promise<Void> done = Promise.promise();
    long deadline = System.nanoTime() + WAIT.toNanos();
    vertx.setPeriodic(50, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        done.tryComplete();
      } else if (System.nanoTime() > deadline) {
        vertx.cancelTimer(id);
        done.tryFail("Chromium did not start within " + WAIT);
      }
    });
    block(done.future());
  }

  private static <T> T block(Future<T> future) {
    return block(future, WAIT);
  }

  private static <T> T block(Future<T> future, Duration timeout) {
    return io.daytona.webhooks.testsupport.svix.SvixStandIn.block(future, timeout);
  }

}
