package io.daytona.webhooks.bench;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.db.GroupCommit;
import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;

/**
 * The built-in delivery ({@code DELIVERY_PROVIDER=builtin}, issue 17), side by side in one run: (1) events
 * accepted on the event bus → 2xx answered by a local receiver, against the same receiver driven by a bare
 * Vert.x {@code HttpClient} at the same concurrency with the same bodies and headers (the ceiling), and against
 * that client between an outbox insert and an attempt insert per delivery (the floor, {@link DurableFloor}); (2) the
 * delivered rate of 49 endpoints while a 50th answers after 10 s, against the same run with all 50 answering at
 * once; (3) the resident memory and rate of the service jar, in its own process, draining 100,000 queued
 * deliveries. "Delivered" is counted at the receiver: a 2xx answer written. Its section of BENCHMARKS.md lies
 * between {@link #START} and {@link #END}; {@link #writeSection} replaces only that.
 */
final class BuiltinBenchmark {

  static final String START = "<!-- builtin:start -->";
  static final String END = "<!-- builtin:end -->";

  /** Deliveries per measured throughput run. */
  private static final int EVENTS = Integer.getInteger("bench.builtinEvents", 20_000);
  /** Events (or ceiling requests) per unreported warm-up round. */
  private static final int WARM_UP = Integer.getInteger("bench.builtinWarmup", 10_000);
  private static final int MAX_WARM_UP_ROUNDS = Integer.getInteger("bench.builtinWarmupRounds", 8);
  /** Measured pairs (built-in, then ceiling) of the throughput benchmark. */
  private static final int PAIRS = Integer.getInteger("bench.builtinPairs", 2);
  /** The service's DELIVERY_CONCURRENCY (its default) and so the ceiling's requests in flight. */
  private static final int CONCURRENCY = Integer.getInteger("bench.deliveryConcurrency", 64);
  /** DELIVERY_ENDPOINT_CONCURRENCY's default: the service's connections per endpoint, and the ceiling's. */
  private static final int PER_ENDPOINT = 4;
  /** Endpoints of the throughput and memory runs: one per organization, each on a receiver port of its own. */
  private static final int ENDPOINTS = Integer.getInteger("bench.builtinEndpoints", 20);
  private static final int ISOLATION_ENDPOINTS = 50;
  private static final int ISOLATION_EVENTS = Integer.getInteger("bench.isolationEvents", 10_000);
  /** Pairs of isolation runs (all at once, then one slow) per layout: one pair of 2-3 s runs is mostly noise here. */
  private static final int ISOLATION_PAIRS = Integer.getInteger("bench.isolationPairs", 3);
  private static final long SLOW_MS = 10_000;
  private static final int DRAIN = Integer.getInteger("bench.builtinDrain", 100_000);
  private static final int DRAIN_WARM_UP = Integer.getInteger("bench.builtinDrainWarmup", 20_000);
  private static final double STEADY_JIT_SHARE = 0.05;

  private final Benchmarks bench;
  private final Vertx vertx;
  final JsonObject raw = new JsonObject();

  BuiltinBenchmark(Benchmarks bench, Vertx vertx) {
    this.bench = bench;
    this.vertx = vertx;
  }

  /** Runs the three measurements; answers the section, markers included. */
  String run(String command) throws Exception {
    String throughput = throughput();
    String isolation = isolation();
    String memory = memory();
    Files.createDirectories(Path.of("bench/results"));
    Files.writeString(Path.of("bench/results/builtin.json"), raw.encodePrettily());
    return START + "\n## Built-in delivery (`DELIVERY_PROVIDER=builtin`)\n\n"
      + "Made by `" + command + "` on " + ZonedDateTime.now().withNano(0) + " (" + Benchmarks.machine() + "; "
      + "PostgreSQL " + (TestDatabase.serverUrl().contains("127.0.0.1") ? "embedded, fsync and synchronous_commit on"
      : "external") + "). Raw results: `bench/results/builtin.json` (the full run also keeps them under `builtin` in "
      + "`latest.json`). The receiver is a Vert.x HTTP server in the "
      + "benchmark JVM answering 200 at once; a delivery counts when its 2xx is written. The service runs with its "
      + "defaults (`DELIVERY_CONCURRENCY` " + CONCURRENCY + ", `DELIVERY_ENDPOINT_CONCURRENCY` " + PER_ENDPOINT
      + ", `DELIVERY_TIMEOUT_MS` 15000) and `DELIVERY_ALLOWED_NETWORKS=127.0.0.0/8`. Each path was warmed up by "
      + "unreported rounds of " + WARM_UP + " events (at most " + MAX_WARM_UP_ROUNDS + ") until this JVM's JIT took under 5 % of its CPU. All figures come "
      + "from one run, side by side.\n\n"
      + throughput + "\n" + isolation + "\n" + memory + "\n" + targets() + END + "\n";
  }

  /** Replaces the section between the markers in {@code file} (appends it when the file has none). */
  static void writeSection(Path file, String section) throws IOException {
    writeSection(file, START, END, section);
  }

  /**
   * Replaces what lies between the markers {@code startMarker} and {@code endMarker} in {@code file}, the
   * markers included, by {@code section} (which carries them); appends it when the file has none.
   */
  static void writeSection(Path file, String startMarker, String endMarker, String section) throws IOException {
    String text = Files.exists(file) ? Files.readString(file) : "";
    int start = text.indexOf(startMarker);
    int end = text.indexOf(endMarker);
    String out;
    if (start >= 0 && end > start) {
      int after = end + endMarker.length();
      if (after < text.length() && text.charAt(after) == '\n') {
        after++;
      }
      out = text.substring(0, start) + section + text.substring(after);
    } else {
      out = text + (text.isEmpty() || text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n") + section;
    }
    Files.writeString(file, out);
  }

  // ---------------------------------------------------------------------------------- (1) throughput

  private String throughput() throws Exception {
    Receiver receiver = await(new Receiver(vertx).start(ENDPOINTS));
    String url = TestDatabase.freshDatabaseUrl();
    WebhookService service = await(TestService.start(builtinEnv(url)));
    HttpClientAgent ceilingClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
      new PoolOptions().setHttp1MaxSize(PER_ENDPOINT).setMaxWaitQueueSize(-1));
    PgCpu pg = PgCpu.of(url);
    List<Row> rows = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    List<Double> floorRatios = new ArrayList<>();
    JsonObject perDelivery;
    DurableFloor floor = null;
    try {
      createEndpoints(service, "bt-", ENDPOINTS, k -> receiver.url(k, k));
      Vertx sv = service.vertx();
      AtomicInteger offset = new AtomicInteger();
      Function<Integer, Future<?>> publish = i -> sv.eventBus().request("sandbox.created", event("bt-", i, ENDPOINTS),
        new DeliveryOptions().setSendTimeout(120_000).addHeader("eventId", "bt-" + i));
      int builtinRounds = warmUp("built-in", n -> runBuiltin("warm-up", receiver, pg, n, offset, publish));
      raw.put("warm-up rounds, built-in", builtinRounds);
      // the same bytes as the service sends: a body and the headers of one delivery it made
      Function<Integer, Future<?>> post = ceilingPost(receiver, ceilingClient);
      int ceilingRounds = warmUp("ceiling", n -> runCeiling("warm-up", receiver, pg, n, post));
      raw.put("warm-up rounds, ceiling", ceilingRounds);
      floor = await(DurableFloor.open(vertx, TestDatabase.freshDatabaseUrl(), post));
      DurableFloor f = floor;
      raw.put("warm-up rounds, floor", warmUp("floor", n -> runCeiling("warm-up", receiver, pg, n, f::deliver)));
      JsonObject statsBefore = null;
      for (int p = 0; p < PAIRS; p++) {
        statsBefore = p == 0 ? dbCounters(url) : statsBefore;
        Row b = runBuiltin("built-in: event bus → outbox → delivery → receiver (run " + (p + 1) + ")", receiver, pg,
          EVENTS, offset, publish);
        if (p == 0) {
          Thread.sleep(1_500); // PostgreSQL 14 reports a backend's counters at most every 500 ms, when it goes idle
          raw.put("database work, built-in run 1", perDelivery(statsBefore, dbCounters(url), b.delivered));
        }
        Row fl = runCeiling("floor: outbox insert → bare HttpClient → attempt insert (run " + (p + 1) + ")", receiver,
          pg, EVENTS, floor::deliver);
        Row c = runCeiling("ceiling: bare HttpClient → receiver (run " + (p + 1) + ")", receiver, pg, EVENTS, post);
        rows.add(b);
        rows.add(fl);
        rows.add(c);
        ratios.add(b.perSecond() / c.perSecond());
        floorRatios.add(fl.perSecond() / c.perSecond());
      }
      perDelivery = raw.getJsonObject("database work, built-in run 1");
    } finally {
      await(service.stop());
      if (floor != null) {
        await(floor.close());
      }
      await(ceilingClient.close());
      await(receiver.stop());
    }
    double builtinRate = rows.stream().filter(r -> r.name.startsWith("built-in")).mapToDouble(Row::perSecond)
      .average().orElse(Double.NaN);
    double ceilingRate = rows.stream().filter(r -> r.name.startsWith("ceiling")).mapToDouble(Row::perSecond)
      .average().orElse(Double.NaN);
    double floorRate = rows.stream().filter(r -> r.name.startsWith("floor")).mapToDouble(Row::perSecond)
      .average().orElse(Double.NaN);
    double ratio = builtinRate / ceilingRate;
    raw.put("throughput", new JsonArray(rows.stream().map(Row::json).toList()))
      .put("ratioBuiltinToCeiling", ratio).put("ratiosPerPair", new JsonArray(ratios))
      .put("ratioFloorToCeiling", floorRate / ceilingRate).put("floorRatiosPerPair", new JsonArray(floorRatios))
      .put("ratioBuiltinToFloor", builtinRate / floorRate);
    StringBuilder out = new StringBuilder("### Throughput: accepted → 2xx at the receiver, against a bare HttpClient\n\n")
      .append(ENDPOINTS).append(" endpoints (one per organization, each on a receiver port of its own), ").append(EVENTS)
      .append(" events per run published on the event bus (`request`, ").append(CONCURRENCY).append(" in flight), ")
      .append("each delivered once; the ceiling posts the same body and headers (copied from one of the service's ")
      .append("deliveries) to the same ports, ").append(CONCURRENCY).append(" in flight, ").append(PER_ENDPOINT)
      .append(" pooled connections per port as the service has. Warm-up: ").append(raw.getInteger("warm-up rounds, built-in"))
      .append(" rounds for the built-in path, ").append(raw.getInteger("warm-up rounds, ceiling"))
      .append(" for the ceiling. Seconds: from the first event published (request sent) to the last 2xx written.\n\n")
      .append("The floor is the least database work a delivery can cost while accepted events go to the outbox ")
      .append("(SPEC, \"Delivery, durably\") and every attempt is recorded, in this JVM beside the receiver: the ")
      .append("service's acceptance statement without its recording of each organization as seen (an `event_outbox` ")
      .append("insert, its triggers included, by group commit as ")
      .append("the service does it: at most 256 rows a statement, one at a time, commits waiting for the disk) ends ")
      .append("each of the ").append(CONCURRENCY).append(" publishers' requests, as the service's acknowledgement ")
      .append("does; each accepted event then waits for one of ").append(CONCURRENCY).append(" delivery slots, which ")
      .append("make the ceiling's POST and then insert one attempt row (a table of its own with a primary key only, ")
      .append("group commit likewise, commits not waiting for the disk). Its database is a fresh one on the same ")
      .append("server. Nothing claims, signs, fans out, leases or retries there: a design that keeps those two ")
      .append("writes can go at most this fast on this machine. Warm-up: ").append(raw.getInteger("warm-up rounds, floor"))
      .append(" rounds.\n\n")
      .append(Row.HEADER);
    rows.forEach(r -> out.append(r.row()).append('\n'));
    out.append(String.format(Locale.ROOT, "%nRatio built-in / ceiling (mean rates of the %d pairs): **%.3f** (per pair: %s)%n%n",
      PAIRS, ratio, String.join(", ", ratios.stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).toList())));
    out.append(String.format(Locale.ROOT, "Ratio floor / ceiling: **%.3f** (per pair: %s); built-in / floor: **%.3f**.%n%n",
      floorRate / ceilingRate, String.join(", ", floorRatios.stream().map(x -> String.format(Locale.ROOT, "%.3f", x))
        .toList()), builtinRate / floorRate));
    out.append("Database work per delivery in run 1 (counters of `pg_stat_database` and `pg_stat_user_tables` for the ")
      .append("service's database; each autocommitted statement is one transaction): ")
      .append(describe(perDelivery)).append(".\n");
    return out.toString();
  }

  /** One measured (or warm-up) run of {@code n} events through the service. */
  private Row runBuiltin(String name, Receiver receiver, PgCpu pg, int n, AtomicInteger offset,
                         Function<Integer, Future<?>> publish) throws Exception {
    int base = offset.getAndAdd(n);
    return measure(name, receiver, pg, n, i -> publish.apply(base + i));
  }

  private Row runCeiling(String name, Receiver receiver, PgCpu pg, int n, Function<Integer, Future<?>> post)
      throws Exception {
    return measure(name, receiver, pg, n, post);
  }

  /**
   * Starts {@code n} operations, {@code CONCURRENCY} at a time, each of which is to end in one 2xx written by the
   * receiver; answers the rate from the first start to the last 2xx, and the CPU spent meanwhile.
   */
  private Row measure(String name, Receiver receiver, PgCpu pg, int n, Function<Integer, Future<?>> op)
      throws Exception {
    long target = receiver.total() + n;
    Future<Long> all = receiver.reach(target, false);
    AtomicInteger errors = new AtomicInteger();
    CpuClock cpu = CpuClock.now();
    double pgBefore = pg.millis();
    long start = System.nanoTime();
    awaitAll(n, CONCURRENCY, i -> op.apply(i).onFailure(err -> {
      if (errors.incrementAndGet() == 1) {
        Benchmarks.log(name + ": the first failure: " + err);
      }
    }));
    double acceptedSeconds = (System.nanoTime() - start) / 1e9;
    long end = errors.get() == 0 ? await(all) : await(receiver.reach(target - errors.get(), false));
    double seconds = (end - start) / 1e9;
    long delivered = n - errors.get();
    CpuClock.Cpu perEvent = cpu.perEvent((int) delivered);
    double pgMs = (pg.millis() - pgBefore) / delivered;
    Row row = new Row(name, delivered, seconds, acceptedSeconds, perEvent, pgMs, errors.get());
    Benchmarks.log(name.equals("warm-up") ? String.format(Locale.ROOT, "warm-up: %.0f/s, JIT %.0f %% of this JVM's CPU",
      row.perSecond(), 100 * perEvent.jitMs() / perEvent.jvmMs()) : row.row());
    return row;
  }

  @FunctionalInterface
  private interface Round {
    Row run(int n) throws Exception;
  }

  /** Unreported rounds until this JVM's JIT compilers take under 5 % of its CPU; answers how many ran. */
  private int warmUp(String what, Round round) throws Exception {
    for (int r = 0; r < MAX_WARM_UP_ROUNDS; r++) {
      Row row = round.run(WARM_UP);
      if (row.cpu.jitMs() / row.cpu.jvmMs() < STEADY_JIT_SHARE) {
        Benchmarks.log(what + " warm: " + (r + 1) + " rounds");
        return r + 1;
      }
    }
    return MAX_WARM_UP_ROUNDS;
  }

  /** The ceiling's request {@code i}: the service's body and headers, to endpoint {@code i % ENDPOINTS}'s port. */
  private Function<Integer, Future<?>> ceilingPost(Receiver receiver, HttpClientAgent client) {
    Buffer body = Buffer.buffer(receiver.sampleBody);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (String h : List.of("content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature",
      "svix-id", "svix-timestamp", "svix-signature")) {
      String v = receiver.sampleHeaders.get(h);
      if (v != null) {
        headers.add(h, v);
      }
    }
    raw.put("ceiling body bytes", body.length()).put("ceiling headers", headers.size());
    return i -> {
      int k = i % ENDPOINTS;
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(receiver.port(k)).setURI("/e/" + k).setHeaders(headers);
      return client.request(options).compose(req -> req.send(body)).compose(resp -> resp.body().compose(b ->
        resp.statusCode() / 100 == 2 ? Future.succeededFuture() : Future.failedFuture("status " + resp.statusCode())));
    };
  }

  // ---------------------------------------------------------------------------------- (2) isolation

  private String isolation() throws Exception {
    StringBuilder out = new StringBuilder("### Isolation: 49 endpoints while a 50th answers after 10 s\n\n")
      .append(ISOLATION_ENDPOINTS).append(" endpoints, one per organization, ").append(ISOLATION_EVENTS)
      .append(" events per run spread evenly over them (").append(CONCURRENCY).append(" in flight); the rate is the other ")
      .append(ISOLATION_ENDPOINTS - 1).append(" endpoints' deliveries from the first event published to the last of ")
      .append("theirs (or to a cap of 60 s, counting what arrived by then). Same service: a warm-up run, ")
      .append("then ").append(ISOLATION_PAIRS).append(" pairs of runs: every endpoint answering at once, then endpoint 0 ")
      .append("answering after 10 s (`DELIVERY_TIMEOUT_MS` 15000, so it succeeds). Rates are the pairs' means, the ratio ")
      .append("the mean of the pairs' ratios (each pair's in brackets).\n\n")
      .append("| endpoints' addresses | all answer at once: the 49's deliveries/s | one answers after 10 s: the 49's deliveries/s | ratio (per pair) | the 49's deliveries in the last slow run |\n|---|---|---|---|---|\n");
    for (boolean ownPorts : new boolean[] {true, false}) {
      out.append(isolationRun(ownPorts)).append('\n');
    }
    return out.toString();
  }

  /** One layout: each endpoint on a receiver port of its own, or all on one port (one host for the service). */
  private String isolationRun(boolean ownPorts) throws Exception {
    String layout = ownPorts ? "each its own port (50 hosts)" : "one port, 50 paths (one host)";
    Receiver receiver = await(new Receiver(vertx).start(ownPorts ? ISOLATION_ENDPOINTS : 1));
    String url = TestDatabase.freshDatabaseUrl();
    WebhookService service = await(TestService.start(builtinEnv(url)));
    JsonObject result = new JsonObject();
    try {
      createEndpoints(service, "bi-", ISOLATION_ENDPOINTS, k -> receiver.url(ownPorts ? k : 0, k));
      Vertx sv = service.vertx();
      AtomicInteger offset = new AtomicInteger();
      isolationOnce("warm-up", receiver, sv, offset);
      JsonArray pairs = new JsonArray();
      double fastSum = 0;
      double slowSum = 0;
      double ratioSum = 0;
      JsonObject slow = null;
      for (int p = 0; p < ISOLATION_PAIRS; p++) {
        JsonObject fast = isolationOnce("all at once", receiver, sv, offset);
        receiver.slowMs = SLOW_MS;
        slow = isolationOnce("one after 10 s", receiver, sv, offset);
        receiver.slowMs = 0;
        double ratio = slow.getDouble("perSecond") / fast.getDouble("perSecond");
        pairs.add(new JsonObject().put("allAtOnce", fast).put("oneSlow", slow).put("ratio", ratio));
        fastSum += fast.getDouble("perSecond");
        slowSum += slow.getDouble("perSecond");
        ratioSum += ratio;
      }
      result.put("pairs", pairs).put("allAtOncePerSecond", fastSum / ISOLATION_PAIRS)
        .put("oneSlowPerSecond", slowSum / ISOLATION_PAIRS).put("ratio", ratioSum / ISOLATION_PAIRS)
        .put("lastSlow", slow);
    } finally {
      await(service.stop());
      await(receiver.stop());
    }
    raw.put("isolation, " + layout, result);
    JsonObject slow = result.getJsonObject("lastSlow");
    String perPair = String.join(", ", result.getJsonArray("pairs").stream()
      .map(o -> String.format(Locale.ROOT, "%.3f", ((JsonObject) o).getDouble("ratio"))).toList());
    return String.format(Locale.ROOT, "| %s | %.0f | %.0f | **%.3f** (%s) | %d of %d in %.1f s |", layout,
      result.getDouble("allAtOncePerSecond"), result.getDouble("oneSlowPerSecond"), result.getDouble("ratio"), perPair,
      slow.getLong("delivered"), slow.getLong("expected"), slow.getDouble("seconds"));
  }

  private JsonObject isolationOnce(String name, Receiver receiver, Vertx sv, AtomicInteger offset) throws Exception {
    int n = ISOLATION_EVENTS;
    int base = offset.getAndAdd(n);
    long othersExpected = n - n / ISOLATION_ENDPOINTS; // event i goes to endpoint i % 50; endpoint 0 is the slow one
    long othersBefore = receiver.others();
    Future<Long> done = receiver.reach(othersBefore + othersExpected, true);
    long capTimer = vertx.setTimer(60_000, t -> receiver.giveUp());
    long start = System.nanoTime();
    AtomicInteger errors = new AtomicInteger();
    awaitAll(n, CONCURRENCY, i -> sv.eventBus().request("sandbox.created", event("bi-", base + i, ISOLATION_ENDPOINTS),
      new DeliveryOptions().setSendTimeout(120_000).addHeader("eventId", "bi-" + (base + i)))
      .onFailure(err -> errors.incrementAndGet()));
    long end = await(done);
    vertx.cancelTimer(capTimer);
    long delivered = receiver.others() - othersBefore;
    double seconds = (end - start) / 1e9;
    JsonObject r = new JsonObject().put("delivered", Math.min(delivered, othersExpected)).put("expected", othersExpected)
      .put("seconds", seconds).put("perSecond", Math.min(delivered, othersExpected) / seconds).put("errors", errors.get());
    Benchmarks.log("isolation " + name + ": " + r.encode());
    return r;
  }

  // ---------------------------------------------------------------------------------- (3) memory

  private String memory() throws Exception {
    Receiver receiver = await(new Receiver(vertx).start(ENDPOINTS));
    String url = TestDatabase.freshDatabaseUrl();
    int port = Benchmarks.freePort();
    Map<String, String> env = new HashMap<>();
    builtinEnv(url).forEach((k, v) -> env.put(k, String.valueOf(v)));
    env.put("HTTP_PORT", String.valueOf(port));
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("JWT_SECRET", TestTokens.SECRET);
    env.put("WEBHOOKS_DATA_DIR", Files.createTempDirectory("bench-builtin").toString());
    Process service = bench.startJar(Path.of("target/webhook-service.jar"), env);
    PgCpu pg = PgCpu.of(url);
    JsonObject measured;
    long peakOverall;
    AtomicLong overall = new AtomicLong();
    long overallSampler = vertx.setPeriodic(250, id -> overall.accumulateAndGet(Benchmarks.rssKb(service.pid()), Math::max));
    try {
      bench.awaitReady(port, service);
      createEndpointsOverRest(port, "bm-", ENDPOINTS, k -> receiver.url(k, k));
      int offset = 0;
      JsonObject warm = drainOnce(DRAIN_WARM_UP, offset, url, service, receiver, pg, true);
      offset += DRAIN_WARM_UP;
      raw.put("drain warm-up", warm);
      measured = drainOnce(DRAIN, offset, url, service, receiver, pg, false);
      raw.put("drain " + DRAIN, measured);
    } finally {
      vertx.cancelTimer(overallSampler);
      peakOverall = overall.get();
      service.destroy();
      service.waitFor(60, TimeUnit.SECONDS);
      await(receiver.stop());
    }
    raw.put("rssPeakWholeRunKb", peakOverall);
    return "### Memory: the service jar in its own process draining " + String.format(Locale.ROOT, "%,d", DRAIN)
      + " queued deliveries\n\n`bin/webhook-service` (its JVM options: Serial GC, `-Xmx128m`), " + ENDPOINTS
      + " endpoints (one per organization, a receiver port each) made through REST; the messages and their deliveries "
      + "inserted into `builtin_messages` / `builtin_deliveries` not yet due, the tables vacuumed and checkpointed, "
      + "then all made due at once (the service's 1 s poll finds them). A " + String.format(Locale.ROOT, "%,d", DRAIN_WARM_UP)
      + "-delivery drain first warms the service up (not reported). Resident memory sampled every 250 ms; seconds from "
      + "making them due to the last 2xx.\n\n"
      + "| queued deliveries | seconds | deliveries/s | steady deliveries/s (10 % → 90 % delivered) | peak resident memory (whole life of the process) | CPU ms per delivery: the service (its JIT) | PostgreSQL |\n"
      + "|---|---|---|---|---|---|---|\n"
      + String.format(Locale.ROOT, "| %,d | %.1f | %.0f | %.0f | %d MB (%d MB) | %.3f (%.3f) | %.3f |%n", DRAIN,
      measured.getDouble("seconds"), measured.getDouble("perSecond"), measured.getDouble("steadyPerSecond"),
      measured.getLong("rssPeakKb") / 1024, peakOverall / 1024, measured.getDouble("serviceCpuMsPerDelivery"),
      measured.getDouble("serviceJitMsPerDelivery"), measured.getDouble("postgresCpuMsPerDelivery"))
      + "\nDatabase work per delivery of this drain: " + describe(measured.getJsonObject("database work per delivery"))
      + ".\n";
  }

  private JsonObject drainOnce(int n, int offset, String url, Process service, Receiver receiver, PgCpu pg,
                               boolean warmUp) throws Exception {
    try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement()) {
      st.execute("INSERT INTO builtin_messages (id, organization_id, event_id, event_type, payload) "
        + "SELECT 'msg_bench' || i, 'bm-' || (i % " + ENDPOINTS + "), 'drain-' || i, 'sandbox.created', "
        + "json_build_object('id', 'sb-' || i, 'organizationId', 'bm-' || (i % " + ENDPOINTS + "), 'state', 'STARTED', "
        + "'class', 'SMALL', 'createdAt', now())::text FROM generate_series(" + (offset + 1) + ", " + (offset + n) + ") AS i");
      st.execute("INSERT INTO builtin_deliveries (message_id, endpoint_id, organization_id, next_attempt_at) "
        + "SELECT m.id, e.id, m.organization_id, now() + interval '1 hour' FROM builtin_messages m "
        + "JOIN builtin_endpoints e ON e.organization_id = m.organization_id "
        + "WHERE NOT EXISTS (SELECT 1 FROM builtin_deliveries d WHERE d.message_id = m.id)");
      st.execute("VACUUM (ANALYZE) builtin_messages");
      st.execute("VACUUM (ANALYZE) builtin_deliveries");
      st.execute("VACUUM (ANALYZE) builtin_attempts");
      st.execute("CHECKPOINT");
    }
    JsonObject counters = dbCounters(url);
    long before = receiver.total();
    Future<Long> tenth = receiver.reach(before + n / 10, false);
    Future<Long> ninetieth = receiver.reach(before + n * 9L / 10, false);
    Future<Long> all = receiver.reach(before + n, false);
    AtomicLong peak = new AtomicLong();
    long sampler = vertx.setPeriodic(250, id -> peak.accumulateAndGet(Benchmarks.rssKb(service.pid()), Math::max));
    long[] cpuBefore = CpuClock.processMillis(Long.toString(service.pid()));
    double pgBefore = pg.millis();
    long start;
    try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement()) {
      st.executeUpdate("UPDATE builtin_deliveries SET next_attempt_at = now() WHERE status = 'pending'");
      start = System.nanoTime();
    }
    long end = await(all);
    JsonObject r0 = new JsonObject();
    long[] cpuAfter = CpuClock.processMillis(Long.toString(service.pid()));
    double pgMs = (pg.millis() - pgBefore) / n;
    vertx.cancelTimer(sampler);
    Thread.sleep(1_500); // PostgreSQL 14 reports a backend's counters at most every 500 ms, when it goes idle
    r0.put("database work per delivery", perDelivery(counters, dbCounters(url), n));
    double seconds = (end - start) / 1e9;
    double steady = (n * 8 / 10) / ((await(ninetieth) - await(tenth)) / 1e9);
    JsonObject r = r0.put("deliveries", n).put("seconds", seconds).put("perSecond", n / seconds)
      .put("steadyPerSecond", steady).put("rssPeakKb", peak.get()).put("postgresCpuMsPerDelivery", pgMs);
    if (cpuBefore != null && cpuAfter != null) {
      r.put("serviceCpuMsPerDelivery", (cpuAfter[0] - cpuBefore[0]) / (double) n)
        .put("serviceJitMsPerDelivery", (cpuAfter[1] - cpuBefore[1]) / (double) n);
    } else {
      r.put("serviceCpuMsPerDelivery", Double.NaN).put("serviceJitMsPerDelivery", Double.NaN);
    }
    Benchmarks.log("drain " + n + (warmUp ? " (warm-up)" : "") + ": " + r.encode());
    return r;
  }

  // ---------------------------------------------------------------------------------- targets

  private String targets() {
    double ratio = raw.getDouble("ratioBuiltinToCeiling");
    JsonObject own = raw.getJsonObject("isolation, each its own port (50 hosts)");
    JsonObject shared = raw.getJsonObject("isolation, one port, 50 paths (one host)");
    JsonObject drain = raw.getJsonObject("drain " + DRAIN);
    long rssMb = drain.getLong("rssPeakKb") / 1024;
    double ownDrop = 1 - own.getDouble("ratio");
    double sharedDrop = 1 - shared.getDouble("ratio");
    return "### Targets (issue 17)\n\n| target | measured | holds? |\n|---|---|---|\n"
      + String.format(Locale.ROOT, "| throughput ≥ 0.7 × the bare HttpClient ceiling | %.3f (the floor of two "
        + "inserts per delivery: %.3f) | %s |%n", ratio, raw.getDouble("ratioFloorToCeiling"), ratio >= 0.7 ? "yes" : "**no**")
      + String.format(Locale.ROOT, "| one endpoint answering after 10 s lowers the other 49's rate by ≤ 10 %% | "
        + "%s, each endpoint on its own host; %s, all on one host | %s |%n", change(ownDrop), change(sharedDrop),
      (ownDrop <= 0.10 ? "yes" : "**no**") + " with separate hosts, " + (sharedDrop <= 0.10 ? "yes"
        : "**no**") + " on one host")
      + String.format(Locale.ROOT, "| peak resident memory ≤ 300 MB draining %,d deliveries | %d MB at %.0f deliveries/s | %s |%n",
      DRAIN, rssMb, drain.getDouble("perSecond"), rssMb <= 300 ? "yes" : "**no**")
      + "\n";
  }

  /** A drop of the rate as words: "5.1 % lower" or "13.5 % higher". */
  private static String change(double drop) {
    return String.format(Locale.ROOT, "%.1f %% %s", 100 * Math.abs(drop), drop >= 0 ? "lower" : "higher");
  }

  // ---------------------------------------------------------------------------------- helpers

  /** The in-JVM service's settings: the built-in provider on {@code url}, loopback receivers allowed. */
  private static Map<String, Object> builtinEnv(String url) {
    Map<String, Object> env = new HashMap<>(Map.of("DATABASE_URL", url, "DELIVERY_PROVIDER", "builtin",
      "DELIVERY_ALLOWED_NETWORKS", "127.0.0.0/8"));
    if (System.getProperty("bench.deliveryConcurrency") != null) {
      env.put("DELIVERY_CONCURRENCY", String.valueOf(CONCURRENCY));
    }
    return env;
  }

  private static void createEndpoints(WebhookService service, String orgPrefix, int n, Function<Integer, String> url)
      throws Exception {
    for (int k = 0; k < n; k++) {
      await(service.context().provider().createEndpoint(orgPrefix + k, orgPrefix + k,
        EndpointSpec.of(url.apply(k), "benchmark receiver " + k, List.of())));
    }
  }

  private void createEndpointsOverRest(int port, String orgPrefix, int n, Function<Integer, String> url) throws Exception {
    String[] orgs = new String[n];
    for (int k = 0; k < n; k++) {
      orgs[k] = orgPrefix + k;
    }
    String token = TestTokens.user(vertx, "bench", orgs);
    HttpClient http = HttpClient.newHttpClient();
    for (int k = 0; k < n; k++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/api/webhooks/organizations/" + orgs[k] + "/endpoints"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("url", url.apply(k)).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 201) {
        throw new IllegalStateException("endpoint creation failed: " + r.statusCode() + " " + r.body());
      }
    }
  }

  private static JsonObject event(String orgPrefix, int i, int orgs) {
    return new JsonObject().put("id", "sb-" + i).put("organizationId", orgPrefix + (i % orgs))
      .put("state", "STARTED").put("class", "SMALL").put("createdAt", Instant.now().toString());
  }

  /** Transactions and rows written in the database so far (PostgreSQL's statistics counters). */
  private static JsonObject dbCounters(String url) throws Exception {
    JsonObject out = new JsonObject();
    try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT xact_commit, xact_rollback FROM pg_stat_database "
        + "WHERE datname = current_database()")) {
        rs.next();
        out.put("transactions", rs.getLong(1) + rs.getLong(2));
      }
      try (ResultSet rs = st.executeQuery("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del, seq_scan, "
        + "seq_tup_read + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables")) {
        while (rs.next()) {
          out.put(rs.getString(1) + " inserted", rs.getLong(2)).put(rs.getString(1) + " updated", rs.getLong(3))
            .put(rs.getString(1) + " deleted", rs.getLong(4)).put(rs.getString(1) + " sequential scans", rs.getLong(5))
            .put(rs.getString(1) + " rows read", rs.getLong(6));
        }
      }
      // which index the claims go through, and how much of it they read
      try (ResultSet rs = st.executeQuery("SELECT indexrelname, idx_scan, idx_tup_read FROM pg_stat_user_indexes "
        + "WHERE relname = 'builtin_deliveries'")) {
        while (rs.next()) {
          out.put("index " + rs.getString(1) + " scans", rs.getLong(2))
            .put("index " + rs.getString(1) + " entries read", rs.getLong(3));
        }
      }
    }
    return out;
  }

  private static JsonObject perDelivery(JsonObject before, JsonObject after, long delivered) {
    JsonObject out = new JsonObject();
    for (String k : after.fieldNames()) {
      long d = after.getLong(k) - before.getLong(k, 0L);
      if (d != 0) {
        out.put(k, Math.round(1000.0 * d / delivered) / 1000.0);
      }
    }
    return out;
  }

  private static String describe(JsonObject perDelivery) {
    List<String> parts = new ArrayList<>();
    parts.add(String.format(Locale.ROOT, "%.2f transactions (the benchmark's own two statistics queries included)",
      perDelivery.getDouble("transactions", 0.0)));
    for (String k : perDelivery.fieldNames()) {
      if (!k.equals("transactions")) {
        parts.add(String.format(Locale.ROOT, "%s %.2f", k, perDelivery.getDouble(k)));
      }
    }
    return String.join(", ", parts);
  }

  private void awaitAll(int n, int concurrency, Function<Integer, Future<?>> op) throws InterruptedException {
    Benchmarks.awaitAll(vertx, n, concurrency, op);
  }


  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.MINUTES);
  }

  /** One throughput measurement: deliveries counted at the receiver, CPU per delivery of this JVM and PostgreSQL. */
  private record Row(String name, long delivered, double seconds, double acceptedSeconds, CpuClock.Cpu cpu,
                     double pgMs, int errors) {

    static final String HEADER = "| measurement | delivered | seconds | deliveries/s | CPU ms per delivery: this JVM "
      + "(its JIT) | PostgreSQL | machine | errors |\n|---|---|---|---|---|---|---|---|\n";

    double perSecond() {
      return delivered / seconds;
    }

    String row() {
      return String.format(Locale.ROOT, "| %s | %d | %.2f | %.0f | %.3f (%.3f) | %s | %s | %d |", name, delivered, seconds,
        perSecond(), cpu.jvmMs(), cpu.jitMs(), Double.isNaN(pgMs) ? "–" : String.format(Locale.ROOT, "%.3f", pgMs),
        Double.isNaN(cpu.machineMs()) ? "–" : String.format(Locale.ROOT, "%.3f", cpu.machineMs()), errors);
    }

    JsonObject json() {
      return new JsonObject().put("name", name).put("delivered", delivered).put("seconds", seconds)
        .put("perSecond", perSecond()).put("acceptedSeconds", acceptedSeconds).put("jvmCpuMsPerDelivery", cpu.jvmMs())
        .put("jitMsPerDelivery", cpu.jitMs()).put("postgresCpuMsPerDelivery", Double.isNaN(pgMs) ? null : pgMs)
        .put("machineCpuMsPerDelivery", Double.isNaN(cpu.machineMs()) ? null : cpu.machineMs()).put("errors", errors);
    }
  }

  /**
   * The webhook receiver: {@code servers} Vert.x HTTP servers on 127.0.0.1, each on a port of its own; endpoint
   * {@code k}'s path is {@code /e/k}. Answers 200 at once (endpoint 0 after {@link #slowMs} when set) and counts
   * each 2xx once written: all, and those of every endpoint but 0.
   */
  static final class Receiver {

    private record Waiter(long target, boolean others, Promise<Long> promise) {
    }

    private final Vertx vertx;
    private final List<HttpServer> servers = new ArrayList<>();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong others = new AtomicLong();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    volatile long slowMs;
    volatile String sampleBody;
    volatile MultiMap sampleHeaders;

    Receiver(Vertx vertx) {
      this.vertx = vertx;
    }

    Future<Receiver> start(int n) {
      List<Future<HttpServer>> started = new ArrayList<>();
      for (int s = 0; s < n; s++) {
        started.add(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
          String path = req.path();
          int k = path.startsWith("/e/") ? Integer.parseInt(path, 3, path.length(), 10) : -1;
          if (sampleBody == null) {
            sampleHeaders = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
            sampleBody = body.toString();
          }
          Runnable answer = () -> req.response().setStatusCode(200).end().onSuccess(v -> delivered(k));
          long slow = slowMs;
          if (k == 0 && slow > 0) {
            vertx.setTimer(slow, t -> answer.run());
          } else {
            answer.run();
          }
        })).listen(0, "127.0.0.1"));
      }
      return Future.all(started).map(all -> {
        for (int s = 0; s < n; s++) {
          servers.add(started.get(s).result());
        }
        return this;
      });
    }

    private void delivered(int k) {
      long t = total.incrementAndGet();
      long o = k == 0 ? others.get() : others.incrementAndGet();
      for (Waiter w : waiters) {
        if ((w.others ? o : t) >= w.target && w.promise.tryComplete(System.nanoTime())) {
          waiters.remove(w);
        }
      }
    }

    /** Completes with {@link System#nanoTime} when the count (all, or every endpoint's but 0) reaches {@code target}. */
    Future<Long> reach(long target, boolean othersOnly) {
      Promise<Long> p = Promise.promise();
      waiters.add(new Waiter(target, othersOnly, p));
      if ((othersOnly ? others.get() : total.get()) >= target && p.tryComplete(System.nanoTime())) {
        waiters.removeIf(w -> w.promise == p);
      }
      return p.future();
    }

    /** Completes every waiter now (a time cap). */
    void giveUp() {
      long now = System.nanoTime();
      for (Waiter w : waiters) {
        w.promise.tryComplete(now);
      }
      waiters.clear();
    }

    long total() {
      return total.get();
    }

    long others() {
      return others.get();
    }

    int port(int server) {
      return servers.get(server).actualPort();
    }

    String url(int server, int endpoint) {
      return "http://127.0.0.1:" + port(server) + "/e/" + endpoint;
    }

    Future<Void> stop() {
      return Future.all(servers.stream().map(HttpServer::close).toList()).mapEmpty();
    }
  }

  /**
   * The floor of a durable delivery: the outbox's acceptance insert, the POST, one attempt row; each insert by
   * {@link GroupCommit} as the service writes, in a database of its own (migrated as the service's).
   */
  static final class DurableFloor {

    private static final String ACCEPT = "INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source) "
      + "SELECT o, 'sandbox.created', e, p, 'bench' FROM unnest($1::text[], $2::text[], $3::text[]) AS u(o, e, p) "
      + "ON CONFLICT DO NOTHING";
    private static final String RECORD = "INSERT INTO floor_attempts (event_id, status_code, response, duration_ms) "
      + "SELECT e, 200, '', d FROM unnest($1::text[], $2::bigint[]) AS u(e, d)";

    private final Database db;
    private final Function<Integer, Future<?>> post;
    private final GroupCommit<Integer, Void> accept;
    private final GroupCommit<Integer, Void> record;
    private final AtomicInteger next = new AtomicInteger();
    private final java.util.ArrayDeque<int[]> waiting = new java.util.ArrayDeque<>();
    private int inFlight;

    private DurableFloor(Database db, Function<Integer, Future<?>> post) {
      this.db = db;
      this.post = post;
      this.accept = new GroupCommit<>(256, Long.MAX_VALUE, i -> 1, batch -> {
        String[] orgs = new String[batch.size()];
        String[] ids = new String[batch.size()];
        String[] payloads = new String[batch.size()];
        for (int k = 0; k < batch.size(); k++) {
          int i = batch.get(k);
          JsonObject e = event("bf-", i, ENDPOINTS);
          orgs[k] = e.getString("organizationId");
          ids[k] = "bf-" + i;
          payloads[k] = e.encode();
        }
        return db.pool().preparedQuery(ACCEPT).execute(Tuple.of(orgs, ids, payloads))
          .map(done -> java.util.Collections.nCopies(batch.size(), (Void) null));
      });
      this.record = new GroupCommit<>(256, Long.MAX_VALUE, i -> 1, batch -> {
        String[] ids = new String[batch.size()];
        Long[] durations = new Long[batch.size()];
        for (int k = 0; k < batch.size(); k++) {
          ids[k] = "bf-" + batch.get(k);
          durations[k] = 1L;
        }
        return db.bookkeepingPool().preparedQuery(RECORD).execute(Tuple.tuple().addValue(ids).addValue(durations))
          .map(done -> java.util.Collections.nCopies(batch.size(), (Void) null));
      });
    }

    static Future<DurableFloor> open(Vertx vertx, String url, Function<Integer, Future<?>> post) {
      ServiceConfig config = ServiceConfig.from(Map.of("DATABASE_URL", url, "JWT_SECRET", TestTokens.SECRET));
      return Database.open(vertx, config).compose(db -> db.pool().query("CREATE TABLE floor_attempts (id bigserial "
          + "PRIMARY KEY, event_id text NOT NULL, status_code integer NOT NULL, response text NOT NULL, "
          + "duration_ms bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now())").execute()
        .map(created -> new DurableFloor(db, post)));
    }

    /**
     * Accepts one event (its own number, unique across runs) and answers once that is committed, as the service
     * answers a publisher; its delivery (the ceiling's request {@code i}, then its attempt row) then waits for one of
     * the {@code CONCURRENCY} delivery slots, as the service's deliveries do.
     */
    Future<?> deliver(int i) {
      int n = next.getAndIncrement();
      return accept.submit(n).onSuccess(accepted -> {
        synchronized (this) {
          waiting.add(new int[] {i, n});
        }
        pump();
      });
    }

    private void pump() {
      while (true) {
        int[] d;
        synchronized (this) {
          if (inFlight >= CONCURRENCY || waiting.isEmpty()) {
            return;
          }
          d = waiting.poll();
          inFlight++;
        }
        post.apply(d[0]).compose(sent -> record.submit(d[1])).onComplete(ar -> {
          if (ar.failed()) {
            Benchmarks.log("floor: a delivery failed: " + ar.cause());
          }
          synchronized (this) {
            inFlight--;
          }
          pump();
        });
      }
    }

    Future<?> close() {
      return Future.join(db.pool().close(), db.bookkeepingPool().close());
    }
  }

  /**
   * CPU milliseconds of the PostgreSQL server holding {@code url}'s database: its postmaster (with its exited
   * children, which it has reaped) and every live child process, from {@code /proc}; NaN when that server's
   * processes are not visible here (an external or containerized server).
   */
  static final class PgCpu {

    private final long postmaster;

    private PgCpu(long postmaster) {
      this.postmaster = postmaster;
    }

    static PgCpu of(String url) {
      try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
        rs.next();
        long backend = rs.getLong(1);
        String[] f = fields(Path.of("/proc", Long.toString(backend), "stat"));
        long parent = Long.parseLong(f[1]);
        String comm = Files.readString(Path.of("/proc", Long.toString(parent), "comm")).trim();
        return new PgCpu(comm.startsWith("postgres") ? parent : -1);
      } catch (Exception notVisible) {
        return new PgCpu(-1);
      }
    }

    double millis() {
      if (postmaster < 0) {
        return Double.NaN;
      }
      try {
        String[] own = fields(Path.of("/proc", Long.toString(postmaster), "stat"));
        long ticks = Long.parseLong(own[11]) + Long.parseLong(own[12]) + Long.parseLong(own[13]) + Long.parseLong(own[14]);
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
          .chars().allMatch(Character::isDigit))) {
          for (Path p : procs) {
            try {
              String[] f = fields(p.resolve("stat"));
              if (Long.parseLong(f[1]) == postmaster) {
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
              }
            } catch (IOException | RuntimeException gone) {
              // exited meanwhile (its time is in the postmaster's children's once reaped)
            }
          }
        }
        return ticks * 10.0;
      } catch (IOException | RuntimeException e) {
        return Double.NaN;
      }
    }

    /** The fields of a {@code /proc/…/stat} after the command name: [0] state, [1] ppid, [11] utime, [12] stime… */
    private static String[] fields(Path stat) throws IOException {
      String s = Files.readString(stat);
      return s.substring(s.lastIndexOf(')') + 2).split(" ");
    }
  }
}
