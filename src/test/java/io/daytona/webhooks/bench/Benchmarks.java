package io.daytona.webhooks.bench;

import com.svix.Svix;
import com.svix.api.Message;
import com.svix.models.ApplicationIn;
import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.testsupport.JavaProcess;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredMessage;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The benchmark suite (run by {@code bench/run.sh}): the event pipeline side by side with its
 * non-durable baseline and its ceilings, the REST API from a separate load process, start-up,
 * memory, and backlog drain. Writes {@code BENCHMARKS.md} and raw results under {@code bench/results/}.
 */
public final class Benchmarks {

  /** The outbox rows still queued (past their organization's cursor): sent rows stay in the table until pruned. */
  static final String QUEUED = "status = 'PENDING' AND id > (SELECT c.sent_up_to FROM outbox_cursors c "
    + "WHERE c.organization_id = event_outbox.organization_id)";


  private static final int ORGS = 100;
  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 64);
  private static final int EVENTS = Integer.getInteger("bench.events", 20_000);
  /**
   * Events per unreported warm-up round before each pipeline measurement ({@link #warmUp}). One fixed
   * round was not enough: after 20,000 events (40,000 in all) the JIT compilers still took about a
   * third of this JVM's CPU during the durable measurement, and it took 140,000–160,000 events for
   * them to fall under 5 %.
   */
  private static final int WARM_UP = Integer.getInteger("bench.warmup", 20_000);
  /** The most warm-up rounds per path. */
  private static final int MAX_WARM_UP_ROUNDS = Integer.getInteger("bench.warmupRounds", 12);
  /** The most 100,000-row warm-up drains before the drains measured. */
  private static final int MAX_WARM_UP_DRAINS = 4;
  /** The JIT compilers' share of this JVM's CPU in a warm-up round under which the path counts as warm. */
  private static final double STEADY_JIT_SHARE = 0.05;
  /** Rows per statement of the batched insert ceiling: the outbox's group commit at most. */
  private static final int INSERT_BATCH = 256;
  private static final int SDK_THREADS = 32;

  private final StringBuilder report = new StringBuilder();
  private final JsonObject raw = new JsonObject();
  private Vertx vertx;
  /** The class-data-sharing archive of the service jar for this run (see bin/webhook-service). */
  private Path cdsArchive;
  /**
   * {@link System#nanoTime} just before each service process was started, by pid (the process's own
   * start instant comes from the boot time and was 0.6 s early on this machine).
   */
  private final Map<Long, Long> launchedAt = new ConcurrentHashMap<>();
  /** The file each service process writes its output to, by pid. */
  private final Map<Long, Path> serviceLogs = new ConcurrentHashMap<>();
  private SvixStandIn standIn;

  public static void main(String[] args) throws Exception {
    // PostgreSQL flushes each commit to disk, as in production (the tests' server does not)
    // (-Dwebhooks.test.durableDatabase=false measures without, for comparison)
    System.setProperty(TestDatabase.DURABLE_PROPERTY, System.getProperty(TestDatabase.DURABLE_PROPERTY, "true"));
    try {
      new Benchmarks().run(Path.of(args.length > 0 ? args[0] : "BENCHMARKS.md"));
    } catch (Exception e) {
      // the Vert.x threads would keep this JVM (and its embedded PostgreSQL) running
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  private void run(Path output) throws Exception {
    cdsArchive = Files.createTempDirectory("bench-cds").resolve("webhook-service.jsa");
    vertx = Vertx.vertx();
    standIn = await(new SvixStandIn(vertx).start());
    standIn.deliveryEnabled(false);
    log("Svix stand-in on " + standIn.serverUrl() + ", PostgreSQL " + TestDatabase.serverUrl());

    if ("builtin".equals(System.getProperty("bench.only"))) {
      // only the built-in delivery's section of the report is replaced: the rest stays as the full run wrote it
      BuiltinBenchmark.writeSection(output, new BuiltinBenchmark(this, vertx).run(command("bench/run.sh -Dbench.only=builtin")));
      log("wrote the built-in delivery's section of " + output);
      return;
    }
    if ("latency-builtin".equals(System.getProperty("bench.only"))) {
      // the built-in provider's latency rows only, printed (a quick comparison of two versions), nothing written
      new LatencyBenchmark(this, vertx, standIn).runBuiltin();
      return;
    }
    if ("latency".equals(System.getProperty("bench.only"))) {
      // only the latency section of the report is replaced
      BuiltinBenchmark.writeSection(output, LatencyBenchmark.START, LatencyBenchmark.END,
        new LatencyBenchmark(this, vertx, standIn).run(command("bench/run.sh -Dbench.only=latency")));
      log("wrote the latency section of " + output);
      return;
    }
    if ("large".equals(System.getProperty("bench.only"))) {
      // likewise only the large payloads' section
      writeLargeSection(output, new LargePayloadBenchmark(this, vertx, standIn).run(command("bench/run.sh -Dbench.only=large")));
      log("wrote the large payloads' section of " + output);
      return;
    }
    if ("rest".equals(System.getProperty("bench.only"))) {
      log(restAndResources());
      return;
    }
    if ("drain".equals(System.getProperty("bench.only"))) {
      log(backlogDrain());
      return;
    }
    if ("pipeline".equals(System.getProperty("bench.only"))) {
      // the pipeline table alone (with its ceilings), printed, not written: BENCHMARKS.md keeps the full run's
      Stats durable = durablePipeline();
      standIn.reset();
      durableStages();
      standIn.reset();
      Stats naive = naiveBaseline();
      standIn.reset();
      Stats sdk = sdkCeiling();
      log(sdk.row());
      standIn.reset();
      log(postgresCeiling().row());
      Stats batchedInserts = postgresBatchCeiling();
      log(batchedInserts.row());
      log(String.format(Locale.ROOT, "ratio %.2f to the non-durable baseline, %.2f to the lower ceiling (%s)",
        durable.perSecond() / naive.perSecond(),
        durable.perSecond() / Math.min(sdk.perSecond(), batchedInserts.perSecond()),
        sdk.perSecond() < batchedInserts.perSecond() ? "the SDK's" : "PostgreSQL's batched inserts"));
      return;
    }
    if ("ceilings".equals(System.getProperty("bench.only"))) {
      log(sdkCeiling().row());
      log(postgresCeiling().row());
      log(postgresBatchCeiling().row());
      return;
    }
    Stats durable = durablePipeline();
    standIn.reset();
    List<Stats> stages = durableStages();
    standIn.reset();
    Stats naive = naiveBaseline();
    standIn.reset();
    Stats sdk = sdkCeiling();
    standIn.reset();
    Stats inserts = postgresCeiling();
    Stats batchedInserts = postgresBatchCeiling();
    standIn.reset();
    List<Stats> pipeline = new ArrayList<>(List.of(durable, naive));
    pipeline.addAll(stages);
    pipeline.addAll(List.of(sdk, inserts, batchedInserts));

    String rest = restAndResources();
    String drain = backlogDrain();
    BuiltinBenchmark builtin = new BuiltinBenchmark(this, vertx);
    String builtinSection = builtin.run("bench/run.sh");
    raw.put("builtin", builtin.raw);

    LargePayloadBenchmark large = new LargePayloadBenchmark(this, vertx, standIn);
    String largeSection = large.run("bench/run.sh");
    raw.put("large", large.raw);

    standIn.reset();
    LatencyBenchmark latency = new LatencyBenchmark(this, vertx, standIn);
    String latencySection = latency.run("bench/run.sh");
    raw.put("latency", latency.raw);

    writeReport(output, pipeline, rest, drain);
    BuiltinBenchmark.writeSection(output, builtinSection);
    writeLargeSection(output, largeSection);
    BuiltinBenchmark.writeSection(output, LatencyBenchmark.START, LatencyBenchmark.END, latencySection);
    await(standIn.stop());
    await(vertx.close());
  }

  // ---------------------------------------------------------------------------------- pipeline

  /** (a) events published on the event bus → outbox → dispatcher → Svix message created. */
  private Stats durablePipeline() throws Exception {
    WebhookService service = startSendingService(TestDatabase.freshDatabaseUrl());
    try {
      Vertx sv = service.vertx();
      Function<Integer, Future<?>> publish = i -> sv.eventBus().request("sandbox.created", event(i),
        new DeliveryOptions().setSendTimeout(120_000).addHeader("eventId", "a-" + i));
      raw.put("warm-up rounds, durable", warmUp(publish, i -> "a-" + i, Until.CREATED));
      standIn.reset();
      ensureApplications(service);
      return runEvents("(a) durable: event bus → outbox → Svix", EVENTS,
        i -> sv.eventBus().request("sandbox.created", event(i + 1_000_000),
          new DeliveryOptions().setSendTimeout(120_000).addHeader("eventId", "a-" + (i + 1_000_000))),
        i -> "a-" + (i + 1_000_000), Until.CREATED);
    } finally {
      await(service.stop());
    }
  }

  /**
   * (a) in two halves, to show what each costs: (a1) the events accepted (committed to the outbox) by a
   * service with nothing to send them to, then (a2) the same rows sent to Svix by a service that only
   * dispatches (they are made due at once when it runs; seconds from the first message created to the
   * last). Run after (a), whose warm-up ran the same code.
   */
  private List<Stats> durableStages() throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    Stats accepted;
    WebhookService acceptor = await(TestService.start(Map.of("DATABASE_URL", url)));
    try {
      Vertx sv = acceptor.vertx();
      accepted = runEvents("(a1) durable, accepting alone: event bus → outbox", EVENTS,
        i -> sv.eventBus().request("sandbox.created", event(i),
          new DeliveryOptions().setSendTimeout(120_000).addHeader("eventId", "s-" + i)),
        i -> "s-" + i, Until.COMMITTED);
    } finally {
      await(acceptor.stop());
    }
    try (Connection c = TestDatabase.connect(url)) {
      // not due until the dispatching service runs and has its Svix applications
      c.createStatement().execute("UPDATE event_outbox SET next_attempt_at = now() + interval '1 hour' WHERE " + QUEUED);
      c.createStatement().execute("VACUUM (ANALYZE) event_outbox");
    }
    WebhookService dispatcher = startSendingService(url);
    try {
      int before = standIn.messageCount();
      CpuClock cpu = CpuClock.now();
      try (Connection c = TestDatabase.connect(url)) {
        c.createStatement().execute("UPDATE event_outbox SET next_attempt_at = now() WHERE " + QUEUED);
      }
      await(standIn.await(() -> standIn.messageCount() - before >= EVENTS, Duration.ofMinutes(10)));
      CpuClock.Cpu perEvent = cpu.perEvent(EVENTS);
      List<StoredMessage> created = standIn.allMessages().subList(before, before + EVENTS);
      Instant first = created.stream().map(StoredMessage::timestamp).min(Comparator.naturalOrder()).orElseThrow();
      Instant last = created.stream().map(StoredMessage::timestamp).max(Comparator.naturalOrder()).orElseThrow();
      Stats sent = new Stats("(a2) durable, dispatching alone: outbox → Svix", EVENTS,
        Duration.between(first, last).toNanos() / 1e9, new long[0], 0, perEvent);
      log(sent.row());
      return List.of(accepted, sent);
    } finally {
      await(dispatcher.stop());
    }
  }

  /**
   * The service in this JVM on database {@code url}, sending to the stand-in with the durable run's
   * concurrency and Svix threads, the benchmark's organizations' applications created.
   */
  WebhookService startSendingService(String url) throws Exception {
    WebhookService service = await(TestService.start(Map.of("DATABASE_URL", url,
      "SVIX_AUTH_TOKEN", standIn.token(), "SVIX_SERVER_URL", standIn.serverUrl(),
      "OUTBOX_CONCURRENCY", Integer.getInteger("bench.outboxConcurrency", 32),
      "SVIX_WORKER_THREADS", Integer.getInteger("bench.svixThreads", 32))));
    ensureApplications(service);
    return service;
  }

  /** Warms the durable path of {@code service} up as {@link #durablePipeline} does; answers the rounds it took. */
  int warmUpDurable(WebhookService service) throws Exception {
    Vertx sv = service.vertx();
    int rounds = warmUp(i -> sv.eventBus().request("sandbox.created", event(i),
      new DeliveryOptions().setSendTimeout(120_000).addHeader("eventId", "w-" + i)), i -> "w-" + i, Until.CREATED);
    standIn.forgetMessages();
    return rounds;
  }

  /** Has the service create the Svix application of each of the benchmark's organizations. */
  private static void ensureApplications(WebhookService service) throws Exception {
    for (int o = 0; o < ORGS; o++) {
      await(service.context().provider().ensureApplication("org-" + o, null));
    }
  }

  /** (b) the naive service: each event taken off the bus and handed straight to the SDK, no database. */
  private Stats naiveBaseline() throws Exception {
    Vertx nv = Vertx.vertx();
    Svix svix = standIn.newSdkClient();
    ensureApps(svix);
    try {
      await(nv.deployVerticle(new VerticleBase() {
        @Override
        public Future<?> start() {
          var workers = vertx.createSharedWorkerExecutor("naive-svix", SDK_THREADS);
          return vertx.eventBus().<JsonObject>consumer("naive.sandbox.created", msg -> workers.executeBlocking(() -> {
            JsonObject e = msg.body();
            return svix.getMessage().create(e.getString("organizationId"),
              Message.messageInRaw(e.encode()).eventType("sandbox.created").eventId(msg.headers().get("eventId")));
          }, false).onComplete(ar -> {
            if (ar.succeeded()) {
              msg.reply(new JsonObject().put("status", "sent"));
            } else {
              msg.fail(500, String.valueOf(ar.cause()));
            }
          })).completion();
        }
      }, new DeploymentOptions()));
      raw.put("warm-up rounds, baseline", warmUp(i -> nv.eventBus().request("naive.sandbox.created", event(i),
        new DeliveryOptions().setSendTimeout(120_000).addHeader("eventId", "b-" + i)), i -> "b-" + i, Until.REPLIED));
      return runEvents("(b) non-durable baseline: event bus → SDK", EVENTS,
        i -> nv.eventBus().request("naive.sandbox.created", event(i + 1_000_000),
          new DeliveryOptions().setSendTimeout(120_000).addHeader("eventId", "b-" + (i + 1_000_000))),
        i -> "b-" + (i + 1_000_000), Until.REPLIED);
    } finally {
      await(nv.close());
    }
  }

  /** (c1) the stand-in's raw message-create rate with the same SDK and threads. */
  private Stats sdkCeiling() throws Exception {
    Svix svix = standIn.newSdkClient();
    ensureApps(svix);
    ExecutorService pool = Executors.newFixedThreadPool(SDK_THREADS);
    long[] micros = new long[EVENTS];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(SDK_THREADS);
    CpuClock cpu = CpuClock.now();
    long start = System.nanoTime();
    for (int t = 0; t < SDK_THREADS; t++) {
      pool.execute(() -> {
        int i;
        while ((i = next.getAndIncrement()) < EVENTS) {
          long t0 = System.nanoTime();
          try {
            JsonObject e = event(i);
            svix.getMessage().create(e.getString("organizationId"),
              Message.messageInRaw(e.encode()).eventType("sandbox.created").eventId("c-" + i));
          } catch (Exception ex) {
            errors.incrementAndGet();
          }
          micros[i] = (System.nanoTime() - t0) / 1_000;
        }
        done.countDown();
      });
    }
    done.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    return new Stats("(c) ceiling: SDK → stand-in, " + SDK_THREADS + " threads", EVENTS, seconds, micros, errors.get(),
      cpu.perEvent(EVENTS));
  }

  /** (c2) PostgreSQL's raw insert rate for outbox rows, one row per statement, same concurrency. */
  private Stats postgresCeiling() throws Exception {
    return insertCeiling(1, false, (pool, i, to) -> {
      JsonObject e = event(i);
      return pool.preparedQuery("INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source) "
          + "VALUES ($1, $2, $3, $4, 'bench') ON CONFLICT DO NOTHING")
        .execute(Tuple.of(e.getString("organizationId"), "sandbox.created", "d-" + i, e.encode()));
    });
  }

  /**
   * (c3) PostgreSQL's raw insert rate for outbox rows in batches of {@link #INSERT_BATCH} per
   * statement (arrays through unnest, as the outbox's group commit does), one statement in flight
   * per connection of the pool; each row's latency is its statement's.
   */
  private Stats postgresBatchCeiling() throws Exception {
    return insertCeiling(INSERT_BATCH, true, (pool, from, to) -> {
      String[] orgs = new String[to - from];
      String[] ids = new String[to - from];
      String[] payloads = new String[to - from];
      // sorted by organization, as the outbox writer inserts (each row takes its organization's lock: migration V22)
      List<Integer> order = new ArrayList<>();
      for (int i = from; i < to; i++) {
        order.add(i);
      }
      order.sort(Comparator.comparing(i -> event(i).getString("organizationId")));
      for (int k = 0; k < order.size(); k++) {
        int i = order.get(k);
        JsonObject e = event(i);
        orgs[k] = e.getString("organizationId");
        ids[k] = "e-" + i;
        payloads[k] = e.encode();
      }
      return pool.preparedQuery("INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source) "
          + "SELECT o, 'sandbox.created', e, p, 'bench' FROM unnest($1::text[], $2::text[], $3::text[]) AS u(o, e, p) "
          + "ON CONFLICT DO NOTHING")
        .execute(Tuple.of(orgs, ids, payloads));
    });
  }

  /**
   * Inserts {@code EVENTS} rows into a fresh database's outbox, {@code rowsPerStatement} per
   * statement ({@code insert} writes rows {@code from} to {@code to}, exclusive), with
   * {@code CONCURRENCY} statements in flight or, {@code perConnection}, one per connection of the
   * pool. Each row gets its statement's latency.
   */
  private Stats insertCeiling(int rowsPerStatement, boolean perConnection, RowsInsert insert) throws Exception {
    ServiceConfig config = ServiceConfig.from(Map.of("DATABASE_URL", TestDatabase.freshDatabaseUrl(), "JWT_SECRET", TestTokens.SECRET));
    Vertx pv = Vertx.vertx();
    Database db = await(Database.open(pv, config));
    Pool pool = db.pool();
    int statements = (EVENTS + rowsPerStatement - 1) / rowsPerStatement;
    int concurrency = perConnection ? config.databasePoolSize : CONCURRENCY;
    try {
      long[] micros = new long[EVENTS];
      AtomicInteger errors = new AtomicInteger();
      CpuClock cpu = CpuClock.now();
      long start = System.nanoTime();
      awaitAll(statements, concurrency, i -> {
        long t0 = System.nanoTime();
        int from = i * rowsPerStatement;
        int to = Math.min(EVENTS, from + rowsPerStatement);
        return insert.rows(pool, from, to).onComplete(ar -> {
          Arrays.fill(micros, from, to, (System.nanoTime() - t0) / 1_000);
          if (ar.failed()) {
            errors.addAndGet(to - from);
          }
        });
      });
      double seconds = (System.nanoTime() - start) / 1e9;
      String perStatement = rowsPerStatement > 1 ? rowsPerStatement + " per statement, " : "";
      return new Stats("(c) ceiling: PostgreSQL outbox inserts, " + perStatement + "pool " + config.databasePoolSize,
        EVENTS, seconds, micros, errors.get(), cpu.perEvent(EVENTS));
    } finally {
      await(pv.close());
    }
  }

  @FunctionalInterface
  private interface RowsInsert {
    Future<?> rows(Pool pool, int from, int to);
  }

  /** Where a pipeline measurement ends for each event. */
  private enum Until {
    /** The stand-in created its message: latency publish → created. */
    CREATED,
    /** The reply came, the stand-in having the message by then (the naive path replies after the SDK call). */
    REPLIED,
    /** The reply came: the event is committed to the outbox, and nothing sends it. */
    COMMITTED
  }

  /**
   * Publishes {@code n} events with {@code CONCURRENCY} in flight, until each is where {@code until}
   * says; measures the CPU the machine and this JVM spent meanwhile.
   */
  private Stats runEvents(String name, int n, Function<Integer, Future<?>> publish, Function<Integer, String> eventId,
                          Until until) throws Exception {
    Map<String, Instant> publishedAt = new ConcurrentHashMap<>();
    Map<String, Instant> repliedAt = new ConcurrentHashMap<>();
    AtomicInteger errors = new AtomicInteger();
    int before = standIn.messageCount();
    CpuClock cpu = CpuClock.now();
    Instant start = Instant.now();
    awaitAll(n, i -> {
      String id = eventId.apply(i);
      publishedAt.put(id, Instant.now());
      return publish.apply(i).onComplete(ar -> {
        repliedAt.put(id, Instant.now());
        if (ar.failed()) {
          errors.incrementAndGet();
        }
      });
    });
    double acceptedSeconds = Duration.between(start, Instant.now()).toNanos() / 1e9;
    if (until != Until.COMMITTED) {
      await(standIn.await(() -> standIn.messageCount() - before >= n - errors.get(), Duration.ofMinutes(10)));
    }
    CpuClock.Cpu perEvent = cpu.perEvent(n);
    if (until == Until.CREATED && !name.equals("warm-up")) {
      // how fast the events were accepted (committed to the outbox), apart from how fast they reached Svix
      log(String.format(Locale.ROOT, "%s: all %d accepted after %.1f s (%.0f/s)", name, n, acceptedSeconds,
        n / acceptedSeconds));
      raw.put(name + " accepted per second", n / acceptedSeconds);
    }
    List<Long> micros = new ArrayList<>(n);
    Instant end = start;
    if (until == Until.CREATED) {
      for (StoredMessage m : standIn.allMessages()) {
        Instant p = publishedAt.get(m.eventId());
        if (p != null) {
          micros.add(Duration.between(p, m.timestamp()).toNanos() / 1_000);
          end = m.timestamp().isAfter(end) ? m.timestamp() : end;
        }
      }
    } else {
      for (Map.Entry<String, Instant> e : repliedAt.entrySet()) {
        micros.add(Duration.between(publishedAt.get(e.getKey()), e.getValue()).toNanos() / 1_000);
        end = e.getValue().isAfter(end) ? e.getValue() : end;
      }
    }
    double seconds = Duration.between(start, end).toNanos() / 1e9;
    Stats stats = new Stats(name, n, seconds, micros.stream().mapToLong(Long::longValue).toArray(), errors.get(),
      perEvent);
    if (!name.equals("warm-up")) {
      log(stats.row());
    }
    return stats;
  }

  /**
   * Unreported rounds of {@code WARM_UP} events (numbered below 1,000,000) until this JVM's JIT
   * compilers take less than {@code STEADY_JIT_SHARE} of its CPU, or {@code MAX_WARM_UP_ROUNDS};
   * answers how many rounds ran.
   * Service, stand-in, SDK and publishers share this JVM: while the JIT still compiles the code a
   * path runs (the durable path runs much more of it than the baseline), a measurement would count
   * the compiling as that path's cost, which a service running for days does not pay.
   */
  private int warmUp(Function<Integer, Future<?>> publish, Function<Integer, String> eventId, Until until)
      throws Exception {
    for (int round = 0; round < MAX_WARM_UP_ROUNDS; round++) {
      standIn.forgetMessages(); // each round's messages are all created by its end; kept, they would fill the heap
      int offset = round * WARM_UP;
      Stats s = runEvents("warm-up", WARM_UP, i -> publish.apply(offset + i), i -> eventId.apply(offset + i), until);
      double jitShare = s.cpu.jitMs() / s.cpu.jvmMs();
      log(String.format(Locale.ROOT, "warm-up round %d: %.0f events/s, JIT %.0f %% of this JVM's CPU", round + 1,
        s.perSecond(), 100 * jitShare));
      if (jitShare < STEADY_JIT_SHARE) {
        return round + 1;
      }
    }
    return MAX_WARM_UP_ROUNDS;
  }

  /** Runs {@code n} asynchronous operations, {@code CONCURRENCY} at a time, and waits for all. */
  private void awaitAll(int n, Function<Integer, Future<?>> op) throws InterruptedException {
    awaitAll(n, CONCURRENCY, op);
  }

  /** Runs {@code n} asynchronous operations, {@code concurrency} at a time, and waits for all. */
  private void awaitAll(int n, int concurrency, Function<Integer, Future<?>> op) throws InterruptedException {
    awaitAll(vertx, n, concurrency, op);
  }

  /** Runs {@code n} asynchronous operations, {@code concurrency} at a time, on {@code vertx}, and waits for all. */
  static void awaitAll(Vertx vertx, int n, int concurrency, Function<Integer, Future<?>> op) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(n);
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= n) {
        return;
      }
      op.apply(i).onComplete(ar -> {
        done.countDown();
        pump[0].run();
      });
    };
    vertx.runOnContext(v -> {
      for (int c = 0; c < concurrency; c++) {
        pump[0].run();
      }
    });
    if (!done.await(15, TimeUnit.MINUTES)) {
      throw new IllegalStateException("benchmark did not finish: " + done.getCount() + " left");
    }
  }


  private void ensureApps(Svix svix) throws Exception {
    for (int o = 0; o < ORGS; o++) {
      svix.getApplication().getOrCreate(new ApplicationIn().uid("org-" + o).name("org-" + o));
    }
  }

  private static JsonObject event(int i) {
    return new JsonObject().put("id", "sb-" + i).put("organizationId", "org-" + (i % ORGS))
      .put("state", "STARTED").put("class", "SMALL").put("createdAt", Instant.now().toString());
  }

  // ---------------------------------------------------------------------------------- REST and resources

  private String restAndResources() throws Exception {
    StringBuilder out = new StringBuilder();
    Path jar = Path.of("target/webhook-service.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("build the jar first (mvn package)");
    }
    // start-up with an external database
    int port = freePort();
    Map<String, String> env = new HashMap<>(Map.of("DATABASE_URL", TestDatabase.freshDatabaseUrl(),
      "JWT_SECRET", TestTokens.SECRET, "HTTP_PORT", String.valueOf(port), "HTTP_HOST", "127.0.0.1",
      "SVIX_AUTH_TOKEN", standIn.token(), "SVIX_SERVER_URL", standIn.serverUrl(),
      "WEBHOOKS_DATA_DIR", Files.createTempDirectory("bench-data").toString()));
    if ("false".equals(System.getProperty("bench.dispatch"))) {
      env.put("OUTBOX_POLL_INTERVAL_MS", "600000");
      env.put("OUTBOX_BATCH_SIZE", "1");
    }
    // first start: no class-data archive yet (the launcher records one when this process stops)
    Files.deleteIfExists(cdsArchive);
    Process service = startJar(jar, env);
    double readyFirst = awaitReady(port, service);
    raw.put("readyExternalFirstSeconds", readyFirst);
    try {
      Thread.sleep(3_000); // let start-up allocations settle before reading idle memory
      long idle = rssKb(service.pid());
      out.append(String.format(Locale.ROOT, "| resident memory, idle | %d MB |%n", idle / 1024));
      raw.put("rssIdleKb", idle);

      String token = TestTokens.user(vertx, "bench", "org-rest");
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
      for (int e = 0; e < 10; e++) {
        var r = await(client.post("/api/webhooks/organizations/org-rest/endpoints").putHeader("Authorization", "Bearer " + token)
          .sendJsonObject(new JsonObject().put("url", "https://hooks.example.com/" + e)));
        if (r.statusCode() != 201) {
          throw new IllegalStateException("endpoint creation failed: " + r.bodyAsString());
        }
      }
      AtomicLong peak = new AtomicLong();
      long sampler = vertx.setPeriodic(250, id -> peak.accumulateAndGet(rssKb(service.pid()), Math::max));
      String base = "http://127.0.0.1:" + port + "/api/webhooks/organizations/org-rest";
      String pid = Long.toString(service.pid());
      String send = load("POST /send at 1,000 requests/s", "--url", base + "/send", "--method", "POST", "--token", token,
        "--rate", "1000", "--warmup", "15", "--settle", pid, "--seconds", "20", "--expect", "202",
        "--body", "{\"eventType\":\"bench.rest\",\"eventId\":\"rest-{run}-{i}\",\"payload\":{\"n\":{i}}}");
      String list = load("GET /endpoints, 16 connections", "--url", base + "/endpoints?limit=10", "--token", token,
        "--connections", "16", "--warmup", "10", "--settle", pid, "--seconds", "10", "--expect", "200");
      vertx.cancelTimer(sampler);
      out.append(String.format(Locale.ROOT, "| resident memory, peak under REST load | %d MB |%n", peak.get() / 1024));
      raw.put("rssLoadKb", peak.get());
      out.append("\n").append(Stats.header(false).replace("events", "requests")
          .replace(" errors |\n", " errors | warm-up s | service CPU, cores (its JIT) |\n") + "---|---|").append("\n")
        .append(send).append("\n").append(list).append("\n");
    } finally {
      service.destroy();
      service.waitFor(120, TimeUnit.SECONDS);
    }
    // restart on the same database, with the archive the first start recorded
    if (!Files.exists(cdsArchive)) {
      throw new IllegalStateException("the launcher recorded no class-data archive at " + cdsArchive);
    }
    Process restarted = startJar(jar, env);
    double readyExternal = awaitReady(port, restarted);
    raw.put("readyExternalSeconds", readyExternal);
    restarted.destroy();
    restarted.waitFor(30, TimeUnit.SECONDS);
    out.insert(0, String.format(Locale.ROOT, "| start-up to ready, external PostgreSQL, restart (class-data archive) | %.2f s |%n"
      + "| start-up to ready, external PostgreSQL, first start (no archive yet) | %.2f s |%n", readyExternal, readyFirst));

    // start-up with the embedded database (first start creates it; second start reuses it), with the archive
    Path data = Files.createTempDirectory("bench-embedded");
    for (String round : List.of("first start (initdb)", "restart")) {
      int p = freePort();
      Map<String, String> embedded = new HashMap<>(Map.of("WEBHOOKS_DATA_DIR", data.toString(),
        "HTTP_PORT", String.valueOf(p), "JWT_SECRET", TestTokens.SECRET));
      Process svc = startJar(jar, embedded);
      double ready = awaitReady(p, svc);
      out.insert(0, String.format(Locale.ROOT, "| start-up to ready, embedded PostgreSQL, %s | %.2f s |%n", round, ready));
      raw.put("readyEmbedded " + round, ready);
      svc.destroy();
      svc.waitFor(60, TimeUnit.SECONDS);
    }
    return "| measurement | value |\n|---|---|\n" + out;
  }

  /**
   * Runs {@link LoadClient} in its own JVM (its CPU is not this one's, which hosts the Svix stand-in),
   * warming up until the service's JIT has settled ({@code --settle}); answers the REST table's row
   * and keeps the raw result.
   */
  private String load(String name, String... args) throws Exception {
    JavaProcess client = JavaProcess.start(LoadClient.class.getName(), Map.of(), args);
    if (client.waitFor(900) != 0) {
      throw new IllegalStateException("load client failed: " + client.output());
    }
    client.output().lines().filter(l -> l.startsWith("warm-up round")).forEach(l -> log(name + ": " + l));
    String line = client.output().lines().filter(l -> l.startsWith("RESULT ")).findFirst()
      .orElseThrow(() -> new IllegalStateException("no result from the load client: " + client.output()));
    JsonObject result = new JsonObject(line.substring("RESULT ".length()));
    long[] micros = result.getJsonArray("micros").stream().mapToLong(v -> ((Number) v).longValue()).toArray();
    Stats s = new Stats(name, result.getInteger("count"), result.getDouble("seconds"), micros, result.getInteger("errors"));
    String row = s.row() + String.format(Locale.ROOT, " %d | %.2f (%.2f) |", result.getInteger("warmupSeconds"),
      result.getDouble("serviceCpuCores", Double.NaN), result.getDouble("serviceJitCores", Double.NaN));
    raw.put(name, json(s).put("warmupSeconds", result.getInteger("warmupSeconds"))
      .put("serviceCpuCores", result.getDouble("serviceCpuCores")).put("serviceJitCores", result.getDouble("serviceJitCores")));
    log(row);
    return row;
  }

  // ---------------------------------------------------------------------------------- backlog drain

  /**
   * One service process drains backlogs of 1,000, 10,000 and 100,000 rows, each queued while Svix
   * refused connections (an outage), after a 100,000-row warm-up drain (the JVMs here, service, stand-in
   * and SDK, kept compiling through shorter ones: a 10,000-row drain sped up from 1,670 to 3,000/s). When Svix is back, every queued row is made due at once: the
   * retry backoff the outage left on each organization's head (up to {@code OUTBOX_BACKOFF_MAX_MS},
   * spread by jitter) would otherwise stagger the start of a small backlog and be measured as its
   * rate. The rate is from the first to the last message created.
   */
  private String backlogDrain() throws Exception {
    StringBuilder out = new StringBuilder("| queued events | first to last created, s | events/s | steady events/s (middle 80 % of the messages) "
      + "| peak resident memory | the service's JIT compiling, share of its CPU |\n|---|---|---|---|---|---|\n");
    Path jar = Path.of("target/webhook-service.jar");
    standIn.reset();
    String url = TestDatabase.freshDatabaseUrl();
    int port = freePort();
    Map<String, String> env = new HashMap<>(Map.of("DATABASE_URL", url, "JWT_SECRET", TestTokens.SECRET,
      "HTTP_PORT", String.valueOf(port), "SVIX_AUTH_TOKEN", standIn.token(), "SVIX_SERVER_URL", standIn.serverUrl(),
      "WEBHOOKS_DATA_DIR", Files.createTempDirectory("bench-drain").toString()));
    if (System.getProperty("bench.outboxBatch") != null) {
      env.put("OUTBOX_BATCH_SIZE", System.getProperty("bench.outboxBatch"));
    }
    ensureApps(standIn.newSdkClient());
    Process service = startJar(jar, env);
    try {
      awaitReady(port, service);
      int offset = 0;
      // 100,000-row drains warm the service up until its JIT compilers take under 5 % of its CPU (the first one
      // drained at 1,500/s in its first tenth and 4,700/s in its last); short drains are repeated (a 1,000-row
      // drain lasts about 0.3 s, so one pause weighs on it) and the median run is reported with the range of all runs
      for (int round = 0; round < MAX_WARM_UP_DRAINS; round++) {
        JsonObject warmUp = new JsonObject();
        offset = drainOnce(100_000, offset, url, service, warmUp, true);
        if (warmUp.getDouble("serviceJitShare") < STEADY_JIT_SHARE) {
          break;
        }
      }
      for (int[] sizeAndRuns : new int[][] {{1_000, 5}, {10_000, 3}, {100_000, 1}}) {
        int n = sizeAndRuns[0];
        List<JsonObject> runs = new ArrayList<>();
        for (int r = 0; r < sizeAndRuns[1]; r++) {
          JsonObject run = new JsonObject();
          offset = drainOnce(n, offset, url, service, run, false);
          runs.add(run);
        }
        List<JsonObject> bySteady = runs.stream()
          .sorted(Comparator.comparingDouble(run -> run.getDouble("steadyPerSecond"))).toList();
        JsonObject median = bySteady.get(bySteady.size() / 2);
        String range = runs.size() == 1 ? "" : String.format(Locale.ROOT, " (%.0f–%.0f in %d runs)",
          bySteady.get(0).getDouble("steadyPerSecond"), bySteady.get(bySteady.size() - 1).getDouble("steadyPerSecond"),
          runs.size());
        long peak = runs.stream().mapToLong(run -> run.getLong("rssPeakKb")).max().orElse(0);
        out.append(String.format(Locale.ROOT, "| %,d | %.2f | %.0f | %.0f%s | %d MB | %.0f %% |%n", n,
          median.getDouble("seconds"), median.getDouble("perSecond"), median.getDouble("steadyPerSecond"), range,
          peak / 1024, 100 * median.getDouble("serviceJitShare")));
        raw.put("drain " + n, median.copy().put("runs", new JsonArray(runs)));
      }
    } finally {
      await(standIn.heal());
      service.destroy();
      service.waitFor(30, TimeUnit.SECONDS);
    }
    return out.toString();
  }

  /**
   * Queues {@code n} events while Svix refuses connections, then lets Svix back in with every row due
   * at once and waits until Svix has them all; puts the figures into {@code result} (a warm-up's
   * too, its log line saying so).
   * Answers the next free event number.
   */
  private int drainOnce(int n, int offset, String url, Process service, JsonObject result, boolean warmUp) throws Exception {
    // the stand-in keeps every message: 385,000 of them (and their requests) filled this JVM's 1 GB heap
    standIn.forgetMessages();
    int before = standIn.messageCount();
    await(standIn.refuseConnections());
    try (Connection c = TestDatabase.connect(url)) {
      // queued, not yet due: the dispatcher does not try them while Svix is away (tries that fail while the
      // rows are made due below would put them off by a backoff, a race that stalled small drains)
      c.createStatement().execute("INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source, "
        + "next_attempt_at) SELECT 'org-' || (i % " + ORGS + "), 'sandbox.created', 'drain-' || i, "
        + "json_build_object('id', 'sb-' || i, 'organizationId', 'org-' || (i % " + ORGS + "), 'state', 'STARTED', "
        + "'createdAt', now())::text, 'bench', now() + interval '1 hour' FROM generate_series(" + (offset + 1) + ", "
        + (offset + n) + ") AS i");
      // the dead row versions of the previous drain are vacuumed and the pages that wrote flushed, so that each
      // drain starts from a settled database and pays only for its own work (autovacuum and checkpoints run
      // during the drain, as they would in production)
      c.createStatement().execute("VACUUM (ANALYZE) event_outbox");
      c.createStatement().execute("CHECKPOINT");
    }
    AtomicLong peak = new AtomicLong();
    long sampler = vertx.setPeriodic(250, id -> peak.accumulateAndGet(rssKb(service.pid()), Math::max));
    await(standIn.acceptConnections());
    long[] cpuBefore = CpuClock.processMillis(Long.toString(service.pid()));
    try (Connection c = TestDatabase.connect(url)) {
      c.createStatement().execute("UPDATE event_outbox SET next_attempt_at = now() WHERE " + QUEUED);
    }
    await(standIn.await(() -> standIn.messageCount() - before >= n, Duration.ofMinutes(20)));
    long[] cpuAfter = CpuClock.processMillis(Long.toString(service.pid()));
    double jitShare = CpuClock.jitShare(cpuBefore, cpuAfter);
    vertx.cancelTimer(sampler);
    List<Instant> created = standIn.allMessages().subList(before, before + n).stream()
      .map(StoredMessage::timestamp).sorted().toList();
    double seconds = Duration.between(created.get(0), created.get(n - 1)).toNanos() / 1e9;
    // the steady rate: the middle 80 % of the messages (leaves out the start and the last chains)
    double middle = Duration.between(created.get(n / 10), created.get(n * 9 / 10)).toNanos() / 1e9;
    double rate = (n * 8 / 10) / middle;
    JsonArray tenths = new JsonArray();
    for (int d = 0; d < 10; d++) {
      double span = Duration.between(created.get(n * d / 10), created.get(n * (d + 1) / 10 - 1)).toNanos() / 1e9;
      tenths.add(Math.round((n / 10 - 1) / span));
    }
    log(String.format(Locale.ROOT, "drain %d%s: %.0f/s overall, %.0f/s steady, the service's JIT %.0f %% of its CPU; "
      + "per tenth %s", n, warmUp ? " (warm-up)" : "", n / seconds, rate, 100 * jitShare, tenths.encode()));
    result.put("seconds", seconds).put("perSecond", n / seconds).put("steadyPerSecond", rate)
      .put("rssPeakKb", peak.get()).put("perSecondByTenth", tenths).put("serviceJitShare", jitShare);
    return offset + n;
  }

  // ---------------------------------------------------------------------------------- helpers

  /** Replaces the large payloads' section of {@code output} (between its markers), or appends it. */
  private static void writeLargeSection(Path output, String section) throws IOException {
    BuiltinBenchmark.writeSection(output, LargePayloadBenchmark.START, LargePayloadBenchmark.END, section);
  }

  /**
   * Starts the service as the README runs it, through {@code bin/webhook-service}: its JVM options
   * ({@code -Dbench.serviceJvm="..."} replaces them, e.g. {@code -Xmx256m} alone) and its class-data
   * archive, kept in {@link #cdsArchive} for this run (the first start records it when it stops).
   */
  Process startJar(Path jar, Map<String, String> env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(Path.of("bin/webhook-service").toAbsolutePath().toString());
    for (String key : ServiceConfig.KEYS) {
      pb.environment().remove(key);
    }
    pb.environment().remove("JAVA_OPTS");
    String jvm = System.getProperty("bench.serviceJvm", "").trim();
    if (!jvm.isEmpty()) {
      pb.environment().put("JAVA_OPTS", jvm);
    }
    pb.environment().put("WEBHOOKS_JAR", jar.toAbsolutePath().toString());
    pb.environment().put("WEBHOOKS_CDS_ARCHIVE", cdsArchive.toString());
    // the launcher runs `java` from the PATH: this JVM's
    pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator
      + System.getenv().getOrDefault("PATH", ""));
    pb.environment().putAll(env);
    Path log = Files.createTempFile("bench-service", ".log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    long launched = System.nanoTime();
    Process process = pb.start();
    launchedAt.put(process.pid(), launched);
    serviceLogs.put(process.pid(), log);
    return process;
  }

  /** Where a process {@link #startJar} started writes its output. */
  Path serviceLog(Process process) {
    return serviceLogs.get(process.pid());
  }

  /** Seconds from the launch of the process to its first 200 on {@code /health/ready}. */
  double awaitReady(int port, Process process) throws Exception {
    long launched = launchedAt.get(process.pid());
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
      .timeout(Duration.ofSeconds(2)).build();
    long deadline = System.currentTimeMillis() + 180_000;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("service exited with " + process.exitValue());
      }
      try {
        if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return (System.nanoTime() - launched) / 1e9;
        }
      } catch (IOException notYet) {
        // not listening yet (or no answer within 2 s: ask again)
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("service not ready within 180 s");
  }

  static long rssKb(long pid) {
    return statusKb(pid, "VmRSS");
  }

  /** A field of {@code /proc/<pid>/status} in KiB ({@code VmRSS}, {@code VmHWM}…); 0 once the process is gone. */
  static long statusKb(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // process gone
    }
    return 0;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static JsonObject json(Stats s) {
    return new JsonObject().put("count", s.count).put("seconds", s.seconds).put("perSecond", s.perSecond())
      .put("p50ms", orNull(s.percentileMillis(50))).put("p99ms", orNull(s.percentileMillis(99))).put("errors", s.errors)
      .put("machineCpuMsPerEvent", orNull(s.cpu.machineMs())).put("jvmCpuMsPerEvent", orNull(s.cpu.jvmMs()))
      .put("jitMsPerEvent", orNull(s.cpu.jitMs()));
  }

  /** Not measured (NaN) is null in the raw results. */
  private static Double orNull(double value) {
    return Double.isNaN(value) ? null : value;
  }

  private void writeReport(Path output, List<Stats> pipeline, String rest, String drain) throws IOException {
    for (Stats s : pipeline) {
      raw.put(s.name, json(s));
    }
    double ratio = pipeline.get(0).perSecond() / pipeline.get(1).perSecond();
    raw.put("ratioDurableToNaive", ratio);
    String machine = machine();
    report.append("# Benchmarks\n\n")
      .append("Made by `bench/run.sh` on ").append(ZonedDateTime.now().withNano(0)).append(" (").append(machine)
      .append("). Raw results: `bench/results/latest.json`. Events: ").append(EVENTS).append(" per pipeline run, each path ")
      .append("warmed up first by unreported rounds of ").append(WARM_UP).append(" events until this JVM's JIT compilers ")
      .append("took under ").append(Math.round(STEADY_JIT_SHARE * 100)).append(" % of its CPU (durable: ")
      .append(raw.getInteger("warm-up rounds, durable")).append(" rounds, baseline: ")
      .append(raw.getInteger("warm-up rounds, baseline")).append(", at most ").append(MAX_WARM_UP_ROUNDS).append("); ")
      .append(CONCURRENCY).append(" in flight, ").append(ORGS).append(" organizations; Svix is the in-test stand-in ")
      .append("with delivery off; PostgreSQL is ").append(TestDatabase.serverUrl().contains("127.0.0.1") ? "embedded (zonky, fsync and synchronous_commit on)" : "external")
      .append(" on this machine. All figures come from one run, side by side.\n\n")
      .append("## Event pipeline\n\n").append(Stats.header(true)).append("\n");
    pipeline.forEach(s -> report.append(s.row()).append("\n"));
    report.append(String.format(Locale.ROOT, "%nRatio durable / non-durable baseline: **%.2f**%n%n", ratio))
      .append("Latency of (a) is publish → message created in Svix; of (b), (a1) and (c) publish or call → answer; ")
      .append("(a2) has none (its rows were all queued when it started; seconds from its first message created to its last). ")
      .append("CPU per event: the CPU time every process on the machine spent during the measurement (PostgreSQL, ")
      .append("and this JVM, which holds the service, the Svix stand-in and the publishers), divided by the events; ")
      .append("in brackets this JVM's part and, of it, its JIT compilers' (code still being compiled: not yet a ")
      .append("steady state).")
      .append(raw.containsKey(pipeline.get(0).name + " accepted per second")
        ? String.format(Locale.ROOT, " (a) accepted its events (committed them to the outbox) at %.0f events/s.",
          raw.getDouble(pipeline.get(0).name + " accepted per second")) : "")
      .append("\n\n")
      .append("## REST API and resources (the service jar in its own process, load from a third: `LoadClient`)\n\n")
      .append(rest).append("\n")
      .append("## Backlog drain after a Svix outage\n\n")
      .append("Rows queued while Svix refused connections, then all due at once when it listens again; each drain ")
      .append("starts from a vacuumed and checkpointed table, after 100,000-row warm-up drains (until the service's JIT ")
      .append("compilers take under 5 % of its CPU; the last column says how much they took in the run reported). ")
      .append("1,000 rows are drained 5 times and ")
      .append("10,000 rows 3 times: the median run, with the range of the steady rate over the runs.\n\n")
      .append(drain).append("\n");
    Files.writeString(output, report.toString() + TARGETS);
    Path results = Path.of("bench/results");
    Files.createDirectories(results);
    Files.writeString(results.resolve("latest.json"), raw.encodePrettily());
    log("wrote " + output);
  }

  /** Cores, the benchmark JVM's heap, the JVM and the OS. */
  static String machine() {
    return Runtime.getRuntime().availableProcessors() + " cores, "
      + (Runtime.getRuntime().maxMemory() / (1024 * 1024)) + " MB max heap of the benchmark JVM, "
      + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", "
      + System.getProperty("os.name") + " " + System.getProperty("os.arch");
  }

  private static final String TARGETS = """
    ## Targets

    | target | holds? |
    |---|---|
    | durable path ≥ 0.8 × the non-durable baseline | see the ratio above |
    | ≥ 3,000 events/s end to end | see (a) |
    | `/send` p99 ≤ 20 ms at 1,000 requests/s | see the REST table |
    | resident memory ≤ 300 MB under load | see the resources table |
    | ready in ≤ 2 s with an external database | see the resources table |
    | backlog drain rate flat (±20 %) from 1,000 to 100,000 queued events | see the drain table |
    | 200 `/send` of 250 KiB payloads during a Svix outage, then recovery: peak resident memory ≤ 300 MB, nothing lost | see "Large payloads during a Svix outage" (`-Dbench.only=large`) |
    """;

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.MINUTES);
  }

  /** {@code base} with the other {@code -Dbench.*} options this run was given, so that a report names them. */
  static String command(String base) {
    StringBuilder out = new StringBuilder(base);
    System.getProperties().stringPropertyNames().stream().sorted()
      .filter(k -> k.startsWith("bench.") && !k.equals("bench.only"))
      .forEach(k -> out.append(" -D").append(k).append('=').append(System.getProperty(k)));
    return out.toString();
  }

  static void log(String line) {
    System.out.println("[bench] " + line);
  }
}
