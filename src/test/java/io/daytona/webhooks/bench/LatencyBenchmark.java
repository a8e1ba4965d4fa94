package io.daytona.webhooks.bench;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredMessage;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Latency at a realistic load, not at saturation (issue 21): events published on the event bus at fixed rates of
 * 10 %, 50 % and 80 % of the capacity measured in the same run, spread over 100 organizations, each one's latency
 * taken from the instant it was due to be published (open loop: a late publisher does not hide its lateness) to
 * the instant the Svix stand-in created its message. Then fairness: 99 organizations publishing 10 events/s each,
 * first alone, then while a hundredth has a 100,000-event backlog due at once. Its section of BENCHMARKS.md lies
 * between {@link #START} and {@link #END}.
 */
final class LatencyBenchmark {

  static final String START = "<!-- latency:start -->";
  static final String END = "<!-- latency:end -->";

  private static final int ORGS = 100;
  /** Seconds of each fixed-rate run. */
  private static final int SECONDS = Integer.getInteger("bench.latencySeconds", 15);
  /** Events of the saturation run that measures the capacity. */
  private static final int CAPACITY_EVENTS = Integer.getInteger("bench.capacityEvents", 20_000);
  private static final int CONCURRENCY = 64;
  private static final int BACKLOG = Integer.getInteger("bench.backlog", 100_000);
  /** Seconds of each fairness run, and the rate of each of its 99 quiet organizations. */
  private static final int FAIRNESS_SECONDS = Integer.getInteger("bench.fairnessSeconds", 20);
  private static final double QUIET_RATE = 10;

  private final Benchmarks bench;
  private final Vertx vertx;
  private final SvixStandIn standIn;
  final JsonObject raw = new JsonObject();
  private int sequence;
  /** Each open-loop run's latency from due to the commit (the {@code request()}'s reply), by name. */
  private final Map<String, Stats> committed = new ConcurrentHashMap<>();

  LatencyBenchmark(Benchmarks bench, Vertx vertx, SvixStandIn standIn) {
    this.bench = bench;
    this.vertx = vertx;
    this.standIn = standIn;
  }

  /** One event to publish: its organization and eventId. */
  private record Planned(String org, String eventId) {
  }

  /** Where an event counts as arrived: created in the Svix stand-in, or received by a built-in endpoint. */
  private interface Arrivals {
    /** When the event arrived, or null. */
    Instant at(String eventId);

    /** Forgets what arrived (between runs). */
    void reset();
  }

  private Arrivals arrivals = new Arrivals() {
    @Override
    public Instant at(String eventId) {
      StoredMessage m = standIn.messageOfEventId(eventId);
      return m == null ? null : m.timestamp();
    }

    @Override
    public void reset() {
      standIn.forgetMessages();
    }
  };

  /** The built-in provider's part alone: its rows are logged as they are measured. */
  void runBuiltin() throws Exception {
    builtin();
  }

  String run(String command) throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    WebhookService service = bench.startSendingService(url);
    StringBuilder out = new StringBuilder();
    try {
      int warmRounds = bench.warmUpDurable(service);
      // capacity: a burst with 64 in flight, as the pipeline benchmark measures it
      Stats burst = closedLoop(service, CAPACITY_EVENTS);
      double capacity = burst.perSecond();
      raw.put("warm-up rounds", warmRounds).put("capacity", capacity);
      Benchmarks.log(String.format(Locale.ROOT, "capacity %.0f events/s (p99 %.0f ms at saturation)", capacity,
        burst.percentileMillis(99)));

      List<Stats> rates = new ArrayList<>();
      for (double share : new double[] {0.1, 0.5, 0.8}) {
        double rate = share * capacity;
        Stats s = openLoop(service, String.format(Locale.ROOT, "%.0f %% of capacity (%.0f events/s)", 100 * share,
          rate), plan(ORGS, 0, (int) Math.round(rate * SECONDS)), rate);
        rates.add(s);
        raw.put("rate " + share, json(s));
      }

      // fairness: the 99 quiet organizations alone, then with org-0's backlog due at once
      List<Planned> quietPlan = plan(ORGS - 1, 1, (int) Math.round((ORGS - 1) * QUIET_RATE * FAIRNESS_SECONDS));
      double quietRate = (ORGS - 1) * QUIET_RATE;
      Stats alone = openLoop(service, "99 organizations at 10 events/s each, alone", quietPlan, quietRate);
      insertBacklog(url);
      Stats noisy = openLoop(service, "the same 99 while org-0 has " + BACKLOG + " events due",
        plan(ORGS - 1, 1, quietPlan.size()), quietRate);
      Instant backlogStart = Instant.now();
      while (pending(url, "org-0") > 0) {
        if (Duration.between(backlogStart, Instant.now()).toMinutes() > 20) {
          throw new IllegalStateException("the backlog did not drain");
        }
        Thread.sleep(200); // polling the database from outside the service, between measurements
      }
      double backlogSeconds = Duration.between(backlogStart, Instant.now()).toNanos() / 1e9;
      raw.put("fairness alone", json(alone)).put("fairness noisy", json(noisy))
        .put("backlog drained, seconds after the noisy run", backlogSeconds);
      await(service.stop());
      service = null;
      String builtinSection = builtin();

      out.append(START).append("\n## Latency at a fixed load, and fairness between organizations\n\n")
        .append("Made by `").append(command).append("` on ").append(ZonedDateTime.now().withNano(0)).append(" (")
        .append(Benchmarks.machine()).append("; PostgreSQL ")
        .append(TestDatabase.serverUrl().contains("127.0.0.1") ? "embedded, fsync and synchronous_commit on" : "external")
        .append("). Raw results: `bench/results/latency.json`. The service runs in the benchmark JVM with the Svix "
          + "stand-in (as the pipeline benchmark (a)); events are published on the event bus (`request`) at a fixed "
          + "rate over 100 organizations, each timed from the instant it was due (open loop) to the instant the "
          + "stand-in created its message. After ").append(warmRounds).append(" warm-up round(s), the capacity is "
          + "a burst of ").append(CAPACITY_EVENTS).append(" events with ").append(CONCURRENCY)
        .append(" in flight; each fixed rate runs ").append(SECONDS).append(" s.\n\n")
        .append(String.format(Locale.ROOT, "Capacity measured in this run: **%.0f events/s** (p50 %.0f ms, p99 %.0f ms "
          + "at saturation).%n%n", capacity, burst.percentileMillis(50), burst.percentileMillis(99)))
        .append(header());
      for (Stats s : rates) {
        out.append(row(s));
      }
      out.append("\n### Fairness: one organization's 100,000-event backlog and 99 quiet ones\n\n")
        .append("99 organizations publish 10 events/s each (990/s in all) for ").append(FAIRNESS_SECONDS)
        .append(" s, first alone, then right after ").append(BACKLOG).append(" events of org-0 were inserted into "
          + "the outbox, all due at once (the dispatcher takes them in turns with the others, a chain of at most "
          + "a few rows per organization per claim). ")
        .append(String.format(Locale.ROOT, "The backlog was all in Svix %.1f s after the second run ended.%n%n",
          backlogSeconds))
        .append(header()).append(row(alone)).append(row(noisy))
        .append(String.format(Locale.ROOT, "%nRatio of the 99's p99 with the backlog to without: **%.2f**.%n%n",
          noisy.percentileMillis(99) / alone.percentileMillis(99)))
        .append(builtinSection)
        .append("### Targets (issue 21)\n\n| target | measured | holds? |\n|---|---|---|\n")
        .append(target("p99 ≤ 50 ms at 50 % of capacity", rates.get(1).percentileMillis(99), 50))
        .append(target("p99 ≤ 150 ms at 80 % of capacity", rates.get(2).percentileMillis(99), 150))
        .append(String.format(Locale.ROOT, "| the 99's p99 with a 100,000-event backlog ≤ 2 × without | %.2f × | %s |%n",
          noisy.percentileMillis(99) / alone.percentileMillis(99),
          noisy.percentileMillis(99) <= 2 * alone.percentileMillis(99) ? "yes" : "**no**"))
        .append(target("built-in: p99 ≤ 50 ms at 50 % of its capacity", builtinRates.get(1).percentileMillis(99), 50))
        .append(target("built-in: p99 ≤ 150 ms at 80 % of its capacity", builtinRates.get(2).percentileMillis(99), 150))
        .append(String.format(Locale.ROOT, "| built-in: the 99's p99 while a hundredth's endpoint answers after %d s "
          + "≤ 2 × without | %.2f × | %s |%n%n", SLOW_MS / 1000, builtinSlow.percentileMillis(99)
          / builtinAlone.percentileMillis(99),
          builtinSlow.percentileMillis(99) <= 2 * builtinAlone.percentileMillis(99) ? "yes" : "**no**"))
        .append(END).append("\n");
    } finally {
      if (service != null) {
        await(service.stop());
      }
    }
    Files.createDirectories(Path.of("bench/results"));
    Files.writeString(Path.of("bench/results/latency.json"), raw.encodePrettily());
    return out.toString();
  }

  /** How long the slow endpoint of the built-in fairness run takes to answer. */
  private static final long SLOW_MS = 10_000;
  private List<Stats> builtinRates;
  private Stats builtinAlone;
  private Stats builtinSlow;

  /**
   * The same with the built-in provider: one endpoint per organization (100, each a path of one local receiver),
   * each event timed from when it was due to the instant its request reached the receiver; then the 99 quiet
   * organizations alone, and while the hundredth's endpoint answers after {@link #SLOW_MS}.
   */
  private String builtin() throws Exception {
    Map<String, Instant> received = new ConcurrentHashMap<>();
    long[] slow = {0};
    io.vertx.core.http.HttpServer receiver = await(vertx.createHttpServer().requestHandler(req -> req.body()
      .onSuccess(body -> {
        Instant now = Instant.now();
        String id = new JsonObject(body).getString("id", "");
        received.putIfAbsent(id.startsWith("sb-") ? id.substring(3) : id, now);
        Runnable answer = () -> req.response().setStatusCode(200).end();
        if (slow[0] > 0 && req.path().equals("/e/0")) {
          vertx.setTimer(slow[0], t -> answer.run());
        } else {
          answer.run();
        }
      })).listen(0, "127.0.0.1"));
    Arrivals previous = arrivals;
    arrivals = new Arrivals() {
      @Override
      public Instant at(String eventId) {
        return received.get(eventId);
      }

      @Override
      public void reset() {
        received.clear();
      }
    };
    WebhookService service = await(io.daytona.webhooks.testsupport.TestService.start(Map.of(
      "DATABASE_URL", TestDatabase.freshDatabaseUrl(), "DELIVERY_PROVIDER", "builtin",
      "DELIVERY_ALLOWED_NETWORKS", "127.0.0.0/8")));
    StringBuilder out = new StringBuilder();
    try {
      for (int o = 0; o < ORGS; o++) {
        await(service.context().provider().createEndpoint("org-" + o, "org-" + o, io.daytona.webhooks.provider
          .EndpointSpec.of("http://127.0.0.1:" + receiver.actualPort() + "/e/" + o, "latency receiver", List.of())));
      }
      int rounds = 0;
      Stats burst;
      do {
        burst = closedLoop(service, CAPACITY_EVENTS);
        rounds++;
        Benchmarks.log(String.format(Locale.ROOT, "built-in warm-up %d: %.0f/s, JIT %.0f %% of this JVM's CPU", rounds,
          burst.perSecond(), 100 * burst.cpu.jitMs() / burst.cpu.jvmMs()));
      } while (rounds < 6 && burst.cpu.jitMs() / burst.cpu.jvmMs() > 0.05);
      burst = closedLoop(service, CAPACITY_EVENTS);
      double capacity = burst.perSecond();
      raw.put("builtin capacity", capacity).put("builtin warm-up rounds", rounds);
      builtinRates = new ArrayList<>();
      for (double share : new double[] {0.1, 0.5, 0.8}) {
        double rate = share * capacity;
        Stats st = openLoop(service, String.format(Locale.ROOT, "built-in, %.0f %% of capacity (%.0f events/s)",
          100 * share, rate), plan(ORGS, 0, (int) Math.round(rate * SECONDS)), rate);
        builtinRates.add(st);
        raw.put("builtin rate " + share, json(st));
      }
      double quietRate = (ORGS - 1) * QUIET_RATE;
      int quietEvents = (int) Math.round(quietRate * FAIRNESS_SECONDS);
      builtinAlone = openLoop(service, "built-in, 99 organizations at 10 events/s each, alone",
        plan(ORGS - 1, 1, quietEvents), quietRate);
      // org-0 publishes as much as each of the others, to an endpoint that answers after SLOW_MS
      slow[0] = SLOW_MS;
      List<Planned> mixed = plan(ORGS, 0, quietEvents + quietEvents / (ORGS - 1));
      List<Planned> quiet = mixed.stream().filter(pl -> !pl.org().equals("org-0")).toList();
      builtinSlow = openLoopMeasuring(service, "built-in, the same 99 while org-0's endpoint answers after "
        + SLOW_MS / 1000 + " s", mixed, quiet, quietRate + QUIET_RATE);
      slow[0] = 0;
      raw.put("builtin fairness alone", json(builtinAlone)).put("builtin fairness slow", json(builtinSlow));

      out.append("\n### The same with the built-in provider\n\n")
        .append("The service with `DELIVERY_PROVIDER=builtin` (its defaults otherwise), one endpoint per "
          + "organization, each a path of one local Vert.x receiver answering 200 at once; each event is timed from "
          + "the instant it was due to the instant its signed request reached the receiver. After ").append(rounds)
        .append(" warm-up burst(s), capacity: ").append(String.format(Locale.ROOT, "**%.0f events/s**.%n%n", capacity))
        .append(header());
      for (Stats st : builtinRates) {
        out.append(row(st));
      }
      out.append("\nFairness with a slow endpoint: the 99 quiet organizations alone, then while org-0, publishing "
          + "10 events/s too, has an endpoint that answers after ").append(SLOW_MS / 1000)
        .append(" s (within `DELIVERY_TIMEOUT_MS`; it holds its `DELIVERY_ENDPOINT_CONCURRENCY` of 4 attempts):\n\n")
        .append(header()).append(row(builtinAlone)).append(row(builtinSlow)).append('\n');
    } finally {
      await(service.stop());
      await(receiver.close());
      arrivals = previous;
    }
    return out.toString();
  }

  /**
   * {@link #openLoop} publishing every event of {@code planned} but measuring only those of {@code measured}
   * (the others may arrive much later).
   */
  private Stats openLoopMeasuring(WebhookService service, String name, List<Planned> planned, List<Planned> measured,
                                  double rate) throws Exception {
    java.util.Set<String> keep = new java.util.HashSet<>();
    measured.forEach(m -> keep.add(m.eventId()));
    measuredOnly = keep;
    try {
      return openLoop(service, name, planned, rate);
    } finally {
      measuredOnly = null;
    }
  }

  /** While set, the open loop waits for and measures these eventIds only. */
  private java.util.Set<String> measuredOnly;

  private static String target(String what, double measured, double limit) {
    return String.format(Locale.ROOT, "| %s | %.1f ms | %s |%n", what, measured, measured <= limit ? "yes" : "**no**");
  }

  private static String header() {
    return "| load | events | events/s achieved | p50 ms | p99 ms | p99.9 ms | max ms | to the commit (reply): p50 / p99 ms "
      + "| JIT share of this JVM's CPU | errors |\n|---|---|---|---|---|---|---|---|---|---|\n";
  }

  private String row(Stats s) {
    Stats c = committed.get(s.name);
    return String.format(Locale.ROOT, "| %s | %d | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f / %.1f | %.0f %% | %d |%n",
      s.name, s.count, s.perSecond(), s.percentileMillis(50), s.percentileMillis(99), s.percentileMillis(99.9),
      s.percentileMillis(100), c == null ? Double.NaN : c.percentileMillis(50),
      c == null ? Double.NaN : c.percentileMillis(99), 100 * s.cpu.jitMs() / s.cpu.jvmMs(), s.errors);
  }

  private JsonObject json(Stats s) {
    Stats c = committed.get(s.name);
    return new JsonObject().put("events", s.count).put("perSecond", s.perSecond())
      .put("committedP50", c == null ? null : c.percentileMillis(50))
      .put("committedP99", c == null ? null : c.percentileMillis(99))
      .put("p50", s.percentileMillis(50)).put("p99", s.percentileMillis(99)).put("p999", s.percentileMillis(99.9))
      .put("max", s.percentileMillis(100)).put("errors", s.errors).put("jitShare", s.cpu.jitMs() / s.cpu.jvmMs());
  }

  /** {@code n} events over {@code orgs} organizations from {@code org-firstOrg}, in turns, with fresh eventIds. */
  private List<Planned> plan(int orgs, int firstOrg, int n) {
    List<Planned> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Planned("org-" + (firstOrg + i % orgs), "lat-" + (sequence++)));
    }
    return out;
  }

  private static Future<?> publish(WebhookService service, Planned p) {
    JsonObject event = new JsonObject().put("id", "sb-" + p.eventId()).put("organizationId", p.org())
      .put("state", "STARTED").put("class", "SMALL").put("createdAt", Instant.now().toString());
    return service.vertx().eventBus().request("sandbox.created", event,
      new DeliveryOptions().setSendTimeout(120_000).addHeader("eventId", p.eventId()));
  }

  /** The capacity: {@code n} events with {@link #CONCURRENCY} in flight, timed from publish to created. */
  private Stats closedLoop(WebhookService service, int n) throws Exception {
    arrivals.reset();
    List<Planned> planned = plan(ORGS, 0, n);
    Map<String, Instant> publishedAt = new ConcurrentHashMap<>();
    AtomicInteger errors = new AtomicInteger();
    CpuClock cpu = CpuClock.now();
    Benchmarks.awaitAll(vertx, n, CONCURRENCY, i -> {
      publishedAt.put(planned.get(i).eventId(), Instant.now());
      return publish(service, planned.get(i)).onFailure(err -> errors.incrementAndGet());
    });
    awaitArrived(planned, errors);
    return stats("capacity", publishedAt, errors.get(), cpu);
  }

  /** Publishes {@code planned} at {@code rate} events/s, each timed from when it was due. */
  private Stats openLoop(WebhookService service, String name, List<Planned> planned, double rate) throws Exception {
    arrivals.reset();
    List<Long> committedMicros = java.util.Collections.synchronizedList(new ArrayList<>());
    int n = planned.size();
    Map<String, Instant> dueAt = new ConcurrentHashMap<>();
    AtomicInteger errors = new AtomicInteger();
    CountDownLatch published = new CountDownLatch(1);
    CpuClock cpu = CpuClock.now();
    Instant startInstant = Instant.now();
    long startNanos = System.nanoTime();
    int[] sent = {0};
    vertx.runOnContext(v -> vertx.setPeriodic(1, id -> {
      long elapsed = System.nanoTime() - startNanos;
      int due = (int) Math.min(n, Math.floor(elapsed * rate / 1e9) + 1);
      while (sent[0] < due) {
        int i = sent[0]++;
        Planned p = planned.get(i);
        Instant due_ = startInstant.plusNanos((long) (i * 1e9 / rate));
        dueAt.put(p.eventId(), due_);
        publish(service, p).onComplete(ar -> {
          if (ar.failed()) {
            errors.incrementAndGet();
          } else {
            committedMicros.add(Math.max(0, Duration.between(due_, Instant.now()).toNanos() / 1_000));
          }
        });
      }
      if (sent[0] == n) {
        vertx.cancelTimer(id);
        published.countDown();
      }
    }));
    if (!published.await(SECONDS * 20L + FAIRNESS_SECONDS * 20L, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the publisher fell behind");
    }
    java.util.Set<String> only = measuredOnly;
    if (only != null) {
      dueAt.keySet().retainAll(only);
      awaitArrived(planned.stream().filter(pl -> only.contains(pl.eventId())).toList(), errors);
    } else {
      awaitArrived(planned, errors);
    }
    Stats s = stats(name, dueAt, errors.get(), cpu);
    Stats c;
    synchronized (committedMicros) {
      c = new Stats(name, committedMicros.size(), s.seconds, committedMicros.stream().mapToLong(Long::longValue).toArray(), 0);
    }
    committed.put(name, c);
    Benchmarks.log(String.format(Locale.ROOT, "%s: %.0f/s, p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms "
      + "(to the commit: p50 %.1f ms, p99 %.1f ms), JIT %.0f %% of this JVM's CPU", name, s.perSecond(),
      s.percentileMillis(50), s.percentileMillis(99), s.percentileMillis(99.9), s.percentileMillis(100),
      c.percentileMillis(50), c.percentileMillis(99), 100 * s.cpu.jitMs() / s.cpu.jvmMs()));
    return s;
  }

  /** Until every planned event (but those whose publish failed) has arrived. */
  private void awaitArrived(List<Planned> planned, AtomicInteger errors) throws Exception {
    int n = planned.size();
    int[] cursor = {0};
    await(standIn.await(() -> {
      // cheap enough to poll while the last events are still on their way: one look-up per event in all
      while (cursor[0] < n && arrivals.at(planned.get(cursor[0]).eventId()) != null) {
        cursor[0]++;
      }
      return cursor[0] >= n - errors.get();
    }, Duration.ofMinutes(20)));
  }

  /** Latency of each event of {@code from} that arrived: from its instant to its arrival. */
  private Stats stats(String name, Map<String, Instant> from, int errors, CpuClock cpu) {
    List<Long> micros = new ArrayList<>(from.size());
    Instant first = null;
    Instant last = null;
    for (Map.Entry<String, Instant> e : from.entrySet()) {
      Instant t = e.getValue();
      Instant arrived = arrivals.at(e.getKey());
      if (arrived != null) {
        micros.add(Math.max(0, Duration.between(t, arrived).toNanos() / 1_000));
        first = first == null || t.isBefore(first) ? t : first;
        last = last == null || arrived.isAfter(last) ? arrived : last;
      }
    }
    double seconds = first == null ? Double.NaN : Duration.between(first, last).toNanos() / 1e9;
    return new Stats(name, micros.size(), seconds, micros.stream().mapToLong(Long::longValue).toArray(), errors,
      cpu.perEvent(Math.max(1, micros.size())));
  }

  private static long pending(String url, String org) throws Exception {
    try (Connection c = TestDatabase.connect(url); var rs = c.createStatement().executeQuery(
      "SELECT count(*) FROM event_outbox_states WHERE state = 'queued' AND organization_id = '" + org + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** {@link #BACKLOG} events of org-0 straight into the outbox, all due now. */
  private void insertBacklog(String url) throws Exception {
    try (Connection c = TestDatabase.connect(url)) {
      c.createStatement().execute("INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source) "
        + "SELECT 'org-0', 'sandbox.created', 'backlog-' || i, json_build_object('id', 'sb-' || i, "
        + "'organizationId', 'org-0', 'state', 'STARTED', 'createdAt', now())::text, 'bench' "
        + "FROM generate_series(1, " + BACKLOG + ") AS i");
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
  }
}
