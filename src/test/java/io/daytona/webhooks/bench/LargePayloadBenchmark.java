package io.daytona.webhooks.bench;

import com.svix.Svix;
import com.svix.models.ApplicationIn;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestTokens;
import io.daytona.webhooks.testsupport.svix.SvixRecords.StoredMessage;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Large payloads during a Svix outage, then recovery: the service jar in its own process (started through
 * {@code bin/webhook-service}, so with its JVM options: Serial GC, {@code -Xmx128m}, exit on out of memory) with
 * the Svix provider pointed at the stand-in, which refuses connections from before the service starts.
 * {@code N} distinct events of about 250 KiB of JSON each (under {@code MAX_PAYLOAD_BYTES}) are sent through
 * {@code POST /send}, {@code IN_FLIGHT} at a time, for a few organizations, by a client that sends a 503 or 429
 * again after its {@code Retry-After} until it is accepted; then the stand-in listens again and the benchmark
 * waits until every accepted eventId has been created in it. Resident memory of the service process is sampled
 * over its whole life and its high-water mark ({@code VmHWM}) read at the end. Its section of BENCHMARKS.md lies
 * between {@link #START} and {@link #END}.
 */
final class LargePayloadBenchmark {

  static final String START = "<!-- large:start -->";
  static final String END = "<!-- large:end -->";

  private static final int EVENTS = Integer.getInteger("bench.largeEvents", 200);
  private static final int IN_FLIGHT = Integer.getInteger("bench.largeInFlight", 200);
  private static final int ORGS = Integer.getInteger("bench.largeOrgs", 4);
  /** The JSON text of each payload, in bytes: 250 KiB, under MAX_PAYLOAD_BYTES' default 262,144. */
  private static final int PAYLOAD_BYTES = Integer.getInteger("bench.largePayloadBytes", 250 * 1024);
  /** How long the outage goes on after the last event was accepted (the dispatcher tries meanwhile). */
  private static final long OUTAGE_AFTER_MS = Long.getLong("bench.largeOutageAfterMs", 5_000);
  private static final long TARGET_MB = 300;
  private static final String EVENT_TYPE = "bench.large";
  /** The service's JVM options when {@code -Dbench.serviceJvm} replaces bin/webhook-service's (else empty). */
  private static final String SERVICE_JVM = System.getProperty("bench.serviceJvm", "").trim();
  /**
   * With {@code -Dbench.serviceJvm="... -XX:NativeMemoryTracking=summary"} the service's native memory summary
   * ({@code jcmd <pid> VM.native_memory summary}) is taken at the end of each phase: where resident memory goes.
   */
  private static final boolean NMT = SERVICE_JVM.contains("NativeMemoryTracking");

  private final Benchmarks bench;
  private final Vertx vertx;
  private final SvixStandIn standIn;
  final JsonObject raw = new JsonObject();

  LargePayloadBenchmark(Benchmarks bench, Vertx vertx, SvixStandIn standIn) {
    this.bench = bench;
    this.vertx = vertx;
    this.standIn = standIn;
  }

  /** One attempt of {@code /send}: its status, latency and (on 503/429) Retry-After seconds. */
  private record Attempt(int status, long micros, int retryAfter) {
  }

  /** Runs the measurement; answers the section, markers included. */
  String run(String command) throws Exception {
    String[] orgs = new String[ORGS];
    for (int o = 0; o < ORGS; o++) {
      orgs[o] = "large-" + o;
    }
    // the organizations' Svix applications existed before the outage
    Svix svix = standIn.newSdkClient();
    for (String org : orgs) {
      svix.getApplication().getOrCreate(new ApplicationIn().uid(org).name(org));
    }
    standIn.forgetMessages();
    await(standIn.refuseConnections());

    List<Buffer> bodies = new ArrayList<>(EVENTS);
    List<String> eventIds = new ArrayList<>(EVENTS);
    Map<String, JsonObject> payloads = new HashMap<>();
    for (int i = 0; i < EVENTS; i++) {
      String org = orgs[i % ORGS];
      String eventId = "large-" + i;
      JsonObject payload = payload(i, org);
      eventIds.add(eventId);
      payloads.put(eventId, payload);
      bodies.add(new JsonObject().put("eventType", EVENT_TYPE).put("eventId", eventId).put("payload", payload).toBuffer());
    }
    int payloadBytes = payloads.get(eventIds.get(0)).encode().getBytes(StandardCharsets.UTF_8).length;
    int bodyBytes = bodies.get(0).length();

    String url = TestDatabase.freshDatabaseUrl();
    int port = Benchmarks.freePort();
    Map<String, String> env = new HashMap<>(Map.of("DATABASE_URL", url, "JWT_SECRET", TestTokens.SECRET,
      "HTTP_PORT", String.valueOf(port), "HTTP_HOST", "127.0.0.1", "DELIVERY_PROVIDER", "svix",
      "SVIX_AUTH_TOKEN", standIn.token(), "SVIX_SERVER_URL", standIn.serverUrl(),
      "WEBHOOKS_DATA_DIR", Files.createTempDirectory("bench-large").toString()));
    Process service = bench.startJar(Path.of("target/webhook-service.jar"), env);
    long pid = service.pid();
    AtomicLong rssPeak = new AtomicLong();
    AtomicLong phasePeak = new AtomicLong();
    long sampler = vertx.setPeriodic(100, id -> {
      long kb = Benchmarks.rssKb(pid);
      rssPeak.accumulateAndGet(kb, Math::max);
      phasePeak.accumulateAndGet(kb, Math::max);
    });
    WebClient client = null;
    try {
      double ready = bench.awaitReady(port, service);
      long idleKb = Benchmarks.rssKb(pid);
      phasePeak.set(0);
      String token = TestTokens.user(vertx, "bench", orgs);
      client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(IN_FLIGHT));

      // ---- intake during the outage
      Map<String, List<Attempt>> attempts = new ConcurrentHashMap<>();
      Map<String, Long> acceptedMicros = new ConcurrentHashMap<>();
      Set<String> accepted = ConcurrentHashMap.newKeySet();
      AtomicInteger otherStatus = new AtomicInteger();
      long intakeStart = System.nanoTime();
      WebClient c = client;
      awaitAll(EVENTS, IN_FLIGHT, i -> sendUntilAccepted(c, service, token, orgs[i % ORGS], eventIds.get(i),
        bodies.get(i), attempts, acceptedMicros, accepted, otherStatus));
      double intakeSeconds = (System.nanoTime() - intakeStart) / 1e9;
      long intakePeakKb = phasePeak.getAndSet(0);
      if (!service.isAlive()) {
        Path log = bench.serviceLog(service);
        List<String> lines = Files.readAllLines(log);
        throw new IllegalStateException(String.format(Locale.ROOT, "the service exited with %d while accepting, "
          + "%d of %d events accepted, peak resident memory %d MB; last line of its log (%s): %s", service.exitValue(),
          accepted.size(), EVENTS, rssPeak.get() / 1024, log, lines.isEmpty() ? "" : lines.get(lines.size() - 1)));
      }
      diagnose(pid, "after accepting");
      Benchmarks.log(String.format(Locale.ROOT, "large: %d accepted in %.1f s during the outage, %d attempts, "
        + "peak RSS %d MB", accepted.size(), intakeSeconds, attempts.values().stream().mapToInt(List::size).sum(),
        intakePeakKb / 1024));
      // the outage goes on for a while: the dispatcher claims the rows and fails to reach Svix
      Thread.sleep(OUTAGE_AFTER_MS);
      long outagePeakKb = phasePeak.getAndSet(0);
      diagnose(pid, "at the end of the outage");
      int createdDuringOutage = standIn.messageCount();

      // ---- recovery
      Instant recovered = Instant.now();
      long recoveryStart = System.nanoTime();
      await(standIn.acceptConnections());
      await(standIn.await(() -> accepted.stream().allMatch(id -> standIn.messagesCreated(id) > 0),
        Duration.ofMinutes(10)));
      double waitedSeconds = (System.nanoTime() - recoveryStart) / 1e9;
      // anything sent twice would arrive by now: the service has nothing left to send
      Thread.sleep(2_000);
      long drainPeakKb = phasePeak.get();
      diagnose(pid, "after the drain");
      long hwmKb = hwmKb(pid);
      String histogram = Long.max(hwmKb, rssPeak.get()) / 1024 > TARGET_MB || NMT ? histogram(pid) : null;

      // ---- what arrived
      List<StoredMessage> messages = standIn.allMessages().stream()
        .filter(m -> m.eventId() != null && m.eventId().startsWith("large-")).toList();
      Map<String, Long> createdPerId = messages.stream()
        .collect(Collectors.groupingBy(StoredMessage::eventId, Collectors.counting()));
      long lost = accepted.stream().filter(id -> !createdPerId.containsKey(id)).count();
      long duplicates = createdPerId.values().stream().mapToLong(n -> n - 1).sum();
      long unexpected = createdPerId.keySet().stream().filter(id -> !accepted.contains(id)).count();
      long altered = messages.stream().filter(m -> !payloads.get(m.eventId()).equals(m.payload())).count();
      long createRequests = accepted.stream().mapToLong(standIn::messageCreateRequests).sum();
      Instant first = messages.stream().map(StoredMessage::timestamp).min(Instant::compareTo).orElse(recovered);
      Instant last = messages.stream().map(StoredMessage::timestamp).max(Instant::compareTo).orElse(recovered);
      double toFirst = Duration.between(recovered, first).toNanos() / 1e9;
      double toLast = Duration.between(recovered, last).toNanos() / 1e9;

      Map<Integer, Long> byStatus = attempts.values().stream().flatMap(List::stream)
        .collect(Collectors.groupingBy(Attempt::status, Collectors.counting()));
      long[] acceptedLatency = attempts.values().stream().flatMap(List::stream).filter(a -> a.status == 202)
        .mapToLong(Attempt::micros).sorted().toArray();
      long[] refusedLatency = attempts.values().stream().flatMap(List::stream).filter(a -> a.status != 202)
        .mapToLong(Attempt::micros).sorted().toArray();
      long[] endToAccept = acceptedMicros.values().stream().mapToLong(Long::longValue).sorted().toArray();
      long retried = attempts.values().stream().filter(l -> l.size() > 1).count();
      String retryAfters = attempts.values().stream().flatMap(List::stream).filter(a -> a.retryAfter >= 0)
        .map(a -> Integer.toString(a.retryAfter)).distinct().sorted().collect(Collectors.joining(", "));

      raw.put("events", EVENTS).put("inFlight", IN_FLIGHT).put("organizations", ORGS)
        .put("payloadBytes", payloadBytes).put("requestBodyBytes", bodyBytes).put("readySeconds", ready)
        .put("accepted", accepted.size()).put("otherStatus", otherStatus.get())
        .put("attemptsByStatus", new JsonObject(byStatus.entrySet().stream()
          .collect(Collectors.toMap(e -> Integer.toString(e.getKey()), e -> (Object) e.getValue()))))
        .put("eventsRetried", retried).put("retryAfterSeconds", retryAfters)
        .put("intakeSeconds", intakeSeconds)
        .put("acceptedAttemptMs", percentiles(acceptedLatency)).put("refusedAttemptMs", percentiles(refusedLatency))
        .put("firstAttemptToAcceptedMs", percentiles(endToAccept))
        .put("outageAfterIntakeMs", OUTAGE_AFTER_MS).put("createdDuringOutage", createdDuringOutage)
        .put("recoveryToFirstCreatedSeconds", toFirst).put("recoveryToLastCreatedSeconds", toLast)
        .put("recoveryWaitSeconds", waitedSeconds)
        .put("created", createdPerId.size()).put("lost", lost).put("duplicates", duplicates)
        .put("unexpected", unexpected).put("payloadsAltered", altered).put("messageCreateRequests", createRequests)
        .put("rssIdleKb", idleKb).put("rssPeakIntakeKb", intakePeakKb).put("rssPeakOutageKb", outagePeakKb)
        .put("rssPeakDrainKb", drainPeakKb).put("rssPeakSampledKb", rssPeak.get()).put("vmHwmKb", hwmKb);
      if (histogram != null) {
        raw.put("heapHistogramTop", histogram);
      }
      Files.createDirectories(Path.of("bench/results"));
      Files.writeString(Path.of(NMT ? "bench/results/large-nmt.json" : "bench/results/large.json"), raw.encodePrettily());
      Benchmarks.log("large: " + raw.encode());
      return section(command);
    } finally {
      vertx.cancelTimer(sampler);
      if (client != null) {
        client.close();
      }
      await(standIn.heal());
      service.destroy();
      service.waitFor(60, TimeUnit.SECONDS);
    }
  }

  /**
   * Sends one event until it is accepted: a 503 or 429 is sent again after its {@code Retry-After} (1 s when it
   * has none), as a client of the API would, and so is a request that got no answer (1 s later), while the service
   * runs; any other answer counts in {@code otherStatus} and ends the event.
   */
  private Future<Void> sendUntilAccepted(WebClient client, Process service, String token, String org, String eventId,
                                         Buffer body, Map<String, List<Attempt>> attempts,
                                         Map<String, Long> acceptedMicros, Set<String> accepted,
                                         AtomicInteger otherStatus) {
    Promise<Void> done = Promise.promise();
    long firstTry = System.nanoTime();
    List<Attempt> mine = new ArrayList<>();
    attempts.put(eventId, mine);
    Runnable[] attempt = new Runnable[1];
    attempt[0] = () -> {
      long t0 = System.nanoTime();
      client.post("/api/webhooks/organizations/" + org + "/send").putHeader("Authorization", "Bearer " + token)
        .putHeader("Content-Type", "application/json").sendBuffer(body).onComplete(ar -> {
          long micros = (System.nanoTime() - t0) / 1_000;
          if (ar.failed()) {
            synchronized (mine) {
              mine.add(new Attempt(-1, micros, -1));
            }
            if (service.isAlive()) {
              vertx.setTimer(1_000, t -> attempt[0].run());
            } else {
              done.fail("the service exited");
            }
            return;
          }
          HttpResponse<Buffer> r = ar.result();
          int status = r.statusCode();
          int retryAfter = retryAfter(r.getHeader("Retry-After"));
          synchronized (mine) {
            mine.add(new Attempt(status, micros, retryAfter));
          }
          if (status == 202) {
            accepted.add(eventId);
            acceptedMicros.put(eventId, (System.nanoTime() - firstTry) / 1_000);
            done.complete();
          } else if (status == 503 || status == 429) {
            vertx.setTimer(Math.max(1, retryAfter) * 1_000L, t -> attempt[0].run());
          } else {
            Benchmarks.log("large: " + eventId + " answered " + status + ": " + r.bodyAsString());
            otherStatus.incrementAndGet();
            done.complete();
          }
        });
    };
    attempt[0].run();
    return done.future();
  }

  private static int retryAfter(String header) {
    if (header == null) {
      return -1;
    }
    try {
      return Integer.parseInt(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Event {@code i}'s payload: its number, organization and a random text making its JSON exactly {@code PAYLOAD_BYTES}. */
  private static JsonObject payload(int i, String org) {
    JsonObject p = new JsonObject().put("id", "large-" + i).put("organizationId", org).put("n", i).put("data", "");
    int fill = PAYLOAD_BYTES - p.encode().length();
    Random random = new Random(i);
    char[] data = new char[fill];
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int k = 0; k < fill; k++) {
      data[k] = alphabet.charAt(random.nextInt(alphabet.length()));
    }
    return p.put("data", new String(data));
  }

  private static JsonObject percentiles(long[] sortedMicros) {
    JsonObject out = new JsonObject().put("count", sortedMicros.length);
    if (sortedMicros.length == 0) {
      return out;
    }
    return out.put("p50", at(sortedMicros, 0.50)).put("p99", at(sortedMicros, 0.99))
      .put("max", sortedMicros[sortedMicros.length - 1] / 1000.0);
  }

  private static double at(long[] sortedMicros, double q) {
    int k = (int) Math.ceil(q * sortedMicros.length) - 1;
    return sortedMicros[Math.max(0, Math.min(sortedMicros.length - 1, k))] / 1000.0;
  }

  /** The process's resident-memory high-water mark ({@code VmHWM} of {@code /proc/<pid>/status}), in KiB. */
  static long hwmKb(long pid) {
    return Benchmarks.statusKb(pid, "VmHWM");
  }

  /** The top of the service's heap histogram ({@code jcmd <pid> GC.class_histogram}), when over the target. */
  private static String histogram(long pid) {
    return jcmd(pid, "GC.class_histogram").lines().limit(25).collect(Collectors.joining("\n"));
  }

  /** With NMT on: the service's native memory summary, heap and resident memory now, kept under {@code phase}. */
  private void diagnose(long pid, String phase) {
    raw.put("resident " + phase, residentKb(pid));
    if (!NMT) {
      return;
    }
    String summary = jcmd(pid, "VM.native_memory", "summary");
    JsonObject d = new JsonObject().put("rssKb", Benchmarks.rssKb(pid)).put("hwmKb", hwmKb(pid))
      .put("heapInfo", jcmd(pid, "GC.heap_info")).put("nativeMemorySummary", summary);
    if (phase.equals("after the drain")) {
      // how much of the resident memory NMT does not account for is memory the C library keeps after it was freed
      d.put("trimNativeHeap", jcmd(pid, "System.trim_native_heap")).put("rssAfterTrimKb", Benchmarks.rssKb(pid))
        .put("residentAfterTrimKb", residentKb(pid));
    }
    raw.put("diagnosis " + phase, d);
    Benchmarks.log("large, " + phase + ": RSS " + d.getLong("rssKb") / 1024 + " MB\n" + summary);
  }

  /**
   * The process's resident memory now by kind, in KiB ({@code /proc/<pid>/status}): {@code RssAnon} (heap,
   * metaspace, code, thread stacks, malloc), {@code RssFile} (mapped files: libjvm.so and the other libraries,
   * the class-data archive) and {@code RssShmem}.
   */
  static JsonObject residentKb(long pid) {
    JsonObject out = new JsonObject();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        for (String key : List.of("VmRSS", "RssAnon", "RssFile", "RssShmem")) {
          if (line.startsWith(key + ":")) {
            out.put(key, Long.parseLong(line.replaceAll("[^0-9]", "")));
          }
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // process gone
    }
    return out;
  }

  private static String jcmd(long pid, String... command) {
    try {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(pid)));
      cmd.addAll(List.of(command));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(60, TimeUnit.SECONDS);
      return out;
    } catch (IOException | InterruptedException e) {
      return "jcmd failed: " + e;
    }
  }

  private String section(String command) {
    JsonObject acceptedMs = raw.getJsonObject("acceptedAttemptMs");
    JsonObject refusedMs = raw.getJsonObject("refusedAttemptMs");
    JsonObject toAccept = raw.getJsonObject("firstAttemptToAcceptedMs");
    JsonObject byStatus = raw.getJsonObject("attemptsByStatus");
    long peakKb = Math.max(raw.getLong("vmHwmKb"), raw.getLong("rssPeakSampledKb"));
    long peakMb = peakKb / 1024;
    boolean memoryHolds = peakMb <= TARGET_MB;
    boolean nothingLost = raw.getLong("lost") == 0 && raw.getInteger("otherStatus") == 0
      && raw.getInteger("accepted") == EVENTS;
    boolean noDuplicates = raw.getLong("duplicates") == 0;
    String statuses = byStatus.fieldNames().stream().sorted()
      .map(k -> (k.equals("-1") ? "no answer" : k) + ": " + byStatus.getLong(k)).collect(Collectors.joining(", "));
    StringBuilder out = new StringBuilder(START).append("\n## Large payloads during a Svix outage\n\n")
      .append("Made by `").append(command).append("` on ").append(ZonedDateTime.now().withNano(0)).append(" (")
      .append(Benchmarks.machine()).append("; PostgreSQL ")
      .append(TestDatabase.serverUrl().contains("127.0.0.1") ? "embedded, fsync and synchronous_commit on" : "external")
      .append("). Raw results: `bench/results/").append(NMT ? "large-nmt.json" : "large.json")
      .append("`. The service jar runs in its own process through ")
      .append("`bin/webhook-service` (")
      .append(SERVICE_JVM.isEmpty() ? "its JVM options: Serial GC, `-Xmx128m`, `-XX:TrimNativeHeapInterval=5000`"
        : "JVM options `" + SERVICE_JVM + "`")
      .append(", `-XX:+ExitOnOutOfMemoryError`), ")
      .append("the Svix provider pointed at the in-test stand-in, every other setting at its default ")
      .append("(`HTTP_BODY_BUDGET_BYTES` a thirty-second of the heap, `OUTBOX_INTAKE_QUEUE_BYTES` 16 MiB, "
        + "`OUTBOX_MEMORY_BUDGET_BYTES` 16 MiB). The stand-in refuses ")
      .append("connections from before the service starts. ").append(EVENTS).append(" `POST /send` with distinct ")
      .append("eventIds for ").append(ORGS).append(" organizations, ").append(IN_FLIGHT).append(" in flight, each ")
      .append("payload ").append(String.format(Locale.ROOT, "%,d", raw.getInteger("payloadBytes")))
      .append(" bytes of JSON (`MAX_PAYLOAD_BYTES` 262,144; request body ")
      .append(String.format(Locale.ROOT, "%,d", raw.getInteger("requestBodyBytes"))).append(" bytes); a 503 or 429 ")
      .append("is sent again after its `Retry-After`, until accepted. The outage goes on ")
      .append(OUTAGE_AFTER_MS / 1000).append(" s after the last 202, then the stand-in listens again (nothing ")
      .append("else is done to the outbox: the dispatcher's own backoff decides when it tries again) and the ")
      .append("benchmark waits until every accepted eventId has been created in it, then 2 s more for any ")
      .append("duplicate. Resident memory of the service process is sampled every 100 ms over its whole life; ")
      .append("`VmHWM` is the kernel's high-water mark of it (`/proc/<pid>/status`).\n\n")
      .append("| measurement | value |\n|---|---|\n")
      .append(String.format(Locale.ROOT, "| `/send` answers (every attempt) | %s |%n", statuses))
      .append(String.format(Locale.ROOT, "| events accepted (202) | %d of %d, %d of them after a 503/429%s |%n",
        raw.getInteger("accepted"), EVENTS, raw.getLong("eventsRetried"),
        raw.getString("retryAfterSeconds").isEmpty() ? "" : " (Retry-After: " + raw.getString("retryAfterSeconds") + " s)"))
      .append(String.format(Locale.ROOT, "| `/send` latency of the 202s | p50 %s ms, p99 %s ms, max %s ms |%n",
        ms(acceptedMs, "p50"), ms(acceptedMs, "p99"), ms(acceptedMs, "max")))
      .append(refusedMs.getInteger("count") == 0 ? "" : String.format(Locale.ROOT,
        "| `/send` latency of the refusals | p50 %s ms, p99 %s ms, max %s ms |%n", ms(refusedMs, "p50"),
        ms(refusedMs, "p99"), ms(refusedMs, "max")))
      .append(String.format(Locale.ROOT, "| first attempt → 202, per event (Retry-After waits included) | p50 %s ms, p99 %s ms, max %s ms |%n",
        ms(toAccept, "p50"), ms(toAccept, "p99"), ms(toAccept, "max")))
      .append(String.format(Locale.ROOT, "| all %d accepted after | %.2f s |%n", EVENTS, raw.getDouble("intakeSeconds")))
      .append(String.format(Locale.ROOT, "| messages created in Svix during the outage | %d |%n", raw.getInteger("createdDuringOutage")))
      .append(String.format(Locale.ROOT, "| Svix back → first message created | %.2f s |%n", raw.getDouble("recoveryToFirstCreatedSeconds")))
      .append(String.format(Locale.ROOT, "| Svix back → last message created (time to drain) | %.2f s |%n", raw.getDouble("recoveryToLastCreatedSeconds")))
      .append(String.format(Locale.ROOT, "| accepted eventIds created in Svix | %d of %d (lost: %d; created but never accepted: %d; payload not as sent: %d) |%n",
        raw.getInteger("accepted") - raw.getLong("lost"), raw.getInteger("accepted"), raw.getLong("lost"),
        raw.getLong("unexpected"), raw.getLong("payloadsAltered")))
      .append(String.format(Locale.ROOT, "| duplicates (an eventId created more than once) | %d (message-create requests: %d) |%n",
        raw.getLong("duplicates"), raw.getLong("messageCreateRequests")))
      .append(String.format(Locale.ROOT, "| resident memory: idle (ready) / peak while accepting / peak in the rest of the outage / peak draining | %d / %d / %d / %d MB |%n",
        raw.getLong("rssIdleKb") / 1024, raw.getLong("rssPeakIntakeKb") / 1024, raw.getLong("rssPeakOutageKb") / 1024,
        raw.getLong("rssPeakDrainKb") / 1024))
      .append(String.format(Locale.ROOT, "| resident memory at the end of each phase (accepting / outage / drain): anonymous + file-backed | %s |%n",
        String.join(" / ", List.of("after accepting", "at the end of the outage", "after the drain").stream()
          .map(phase -> raw.getJsonObject("resident " + phase)).map(r -> String.format(Locale.ROOT, "%d + %d MB",
            r.getLong("RssAnon", 0L) / 1024, r.getLong("RssFile", 0L) / 1024)).toList())))
      .append(String.format(Locale.ROOT, "| peak resident memory, whole run: `VmHWM` / highest sample | %d / %d MB |%n",
        raw.getLong("vmHwmKb") / 1024, raw.getLong("rssPeakSampledKb") / 1024))
      .append("\n| target | measured | holds? |\n|---|---|---|\n")
      .append(String.format(Locale.ROOT, "| %d `/send` of 250 KiB payloads during a Svix outage, then recovery: peak resident memory ≤ %d MB | %d MB (`VmHWM` %d MB) | %s |%n",
        EVENTS, TARGET_MB, peakMb, raw.getLong("vmHwmKb") / 1024, memoryHolds ? "yes" : "**no**"))
      .append(String.format(Locale.ROOT, "| nothing lost: every 202 eventId created in Svix | %d of %d, %d other answers | %s |%n",
        raw.getInteger("accepted") - raw.getLong("lost"), raw.getInteger("accepted"), raw.getInteger("otherStatus"),
        nothingLost ? "yes" : "**no**"))
      .append(String.format(Locale.ROOT, "| no duplicates | %d | %s |%n", raw.getLong("duplicates"),
        noDuplicates ? "yes" : "**no**"));
    if (raw.containsKey("heapHistogramTop")) {
      out.append("\nThe service's live heap after the drain (`jcmd <pid> GC.class_histogram`, top):\n\n```\n")
        .append(raw.getString("heapHistogramTop")).append("\n```\n");
    }
    return out.append("\n").append(END).append("\n").toString();
  }

  private static String ms(JsonObject percentiles, String key) {
    Double v = percentiles.getDouble(key);
    return v == null ? "–" : String.format(Locale.ROOT, "%.1f", v);
  }

  private void awaitAll(int n, int concurrency, java.util.function.Function<Integer, Future<?>> op) throws InterruptedException {
    Benchmarks.awaitAll(vertx, n, concurrency, op);
  }


  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.MINUTES);
  }
}
