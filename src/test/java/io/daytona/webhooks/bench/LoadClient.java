package io.daytona.webhooks.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The REST load generator, run by {@link Benchmarks} as its own JVM so that its CPU is not the
 * service's nor the Svix stand-in's. Two modes:
 * <ul>
 *   <li>{@code --rate R}: open loop, request {@code i} is due at {@code i/R} s and its latency counts
 *   from then (a slow server cannot hide its queueing by slowing the generator down);</li>
 *   <li>{@code --connections C}: closed loop, C requests in flight.</li>
 * </ul>
 * A body template's {@code {i}} becomes the request number and {@code {run}} this run's id.
 * {@code --warmup S} first runs the same load for S seconds, unreported (JIT, connection pools);
 * with {@code --settle PID} (the service's process) it goes on in rounds of S seconds until, in a
 * round, the JIT compilers of neither this JVM nor that process took {@value #STEADY_JIT_SHARE} of
 * its CPU or more (at most {@code --max-warmup} seconds, 240 by default): a service that has run for
 * a while has compiled its code, and a measurement taken while it still compiles says little about it.
 * Prints one line {@code RESULT {"count", "seconds", "errors", "micros": [...], "warmupSeconds",
 * "serviceCpuCores", "serviceJitCores"}} (the last two, the service's CPU during the measurement,
 * with {@code --settle}).
 */
public final class LoadClient {

  private static final double STEADY_JIT_SHARE = 0.05;

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    URI url = URI.create(opts.get("url"));
    HttpMethod method = HttpMethod.valueOf(opts.getOrDefault("method", "GET"));
    String token = opts.get("token");
    String body = opts.get("body");
    int seconds = Integer.parseInt(opts.getOrDefault("seconds", "10"));
    int rate = Integer.parseInt(opts.getOrDefault("rate", "0"));
    int connections = Integer.parseInt(opts.getOrDefault("connections", rate > 0 ? "256" : "16"));
    int expected = Integer.parseInt(opts.getOrDefault("expect", "200"));
    String run = Long.toString(System.nanoTime(), 36);

    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
      new PoolOptions().setHttp1MaxSize(connections));
    RequestOptions base = new RequestOptions().setMethod(method).setHost(url.getHost()).setPort(url.getPort())
      .setURI(url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()))
      .putHeader("Content-Type", "application/json");
    if (token != null) {
      base.putHeader("Authorization", "Bearer " + token);
    }
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "0"));
    String service = opts.get("settle");
    int maxWarmup = Integer.parseInt(opts.getOrDefault("max-warmup", "240"));
    int warmedUp = 0;
    for (int round = 0; warmup > 0 && warmedUp < maxWarmup; round++) {
      long[] self = CpuClock.processMillis("self");
      long[] svc = service == null ? null : CpuClock.processMillis(service);
      // JIT and pools warm, not reported
      run(vertx, client, base, body, run + "w" + round, rate, connections, warmup, expected);
      warmedUp += warmup;
      double selfJit = CpuClock.jitShare(self, CpuClock.processMillis("self"));
      double svcJit = service == null ? 0 : CpuClock.jitShare(svc, CpuClock.processMillis(service));
      System.out.printf(Locale.ROOT, "warm-up round %d: JIT %.0f %% of this JVM's CPU, %.0f %% of the service's%n",
        round + 1, 100 * selfJit, 100 * svcJit);
      // NaN (not measurable) never counts as settled: the warm-up then runs to --max-warmup
      if (service == null || (selfJit < STEADY_JIT_SHARE && svcJit < STEADY_JIT_SHARE)) {
        break;
      }
    }
    long[] svcBefore = service == null ? null : CpuClock.processMillis(service);
    JsonObject result = run(vertx, client, base, body, run + "m", rate, connections, seconds, expected);
    result.put("warmupSeconds", warmedUp);
    long[] svcAfter = service == null ? null : CpuClock.processMillis(service);
    if (svcBefore != null && svcAfter != null) {
      double elapsed = result.getDouble("seconds") * 1000;
      result.put("serviceCpuCores", (svcAfter[0] - svcBefore[0]) / elapsed)
        .put("serviceJitCores", (svcAfter[1] - svcBefore[1]) / elapsed);
    }
    System.out.println("RESULT " + result.encode());
    vertx.close().await(10, TimeUnit.SECONDS);
    System.exit(0);
  }

  private static JsonObject run(Vertx vertx, HttpClient client, RequestOptions base, String body, String run, int rate,
                                int connections, int seconds, int expected) throws InterruptedException {
    int total = rate > 0 ? rate * seconds : Integer.MAX_VALUE;
    long[] micros = new long[rate > 0 ? total : 1 << 22];
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);

    java.util.function.IntFunction<Future<Integer>> request = i -> client.request(new RequestOptions(base))
      .compose(req -> body == null ? req.send()
        : req.send(Buffer.buffer(body.replace("{i}", Integer.toString(i)).replace("{run}", run))))
      .compose(resp -> resp.body().map(b -> resp.statusCode()));

    if (rate > 0) {
      long period = 1_000_000_000L / rate;
      int[] sent = {0};
      vertx.runOnContext(v -> vertx.setPeriodic(1, id -> {
        long due = Math.min(total, (System.nanoTime() - start) / period + 1);
        while (sent[0] < due) {
          int i = sent[0]++;
          long scheduled = start + i * period;
          request.apply(i).onComplete(ar -> {
            micros[i] = (System.nanoTime() - scheduled) / 1_000;
            if (ar.failed() || ar.result() != expected) {
              errors.incrementAndGet();
            }
            if (completed.incrementAndGet() == total) {
              done.countDown();
            }
          });
        }
        if (sent[0] >= total) {
          vertx.cancelTimer(id);
        }
      }));
    } else {
      AtomicInteger next = new AtomicInteger();
      AtomicInteger open = new AtomicInteger(connections);
      Runnable[] loop = new Runnable[1];
      loop[0] = () -> {
        if (System.nanoTime() > end) {
          if (open.decrementAndGet() == 0) {
            done.countDown();
          }
          return;
        }
        int i = next.getAndIncrement();
        long t0 = System.nanoTime();
        request.apply(i).onComplete(ar -> {
          int n = completed.getAndIncrement();
          if (n < micros.length) {
            micros[n] = (System.nanoTime() - t0) / 1_000;
          }
          if (ar.failed() || ar.result() != expected) {
            errors.incrementAndGet();
          }
          loop[0].run();
        });
      };
      vertx.runOnContext(v -> {
        for (int c = 0; c < connections; c++) {
          loop[0].run();
        }
      });
    }
    boolean finished = done.await(seconds * 10L + 30, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    int count = Math.min(completed.get(), micros.length);
    JsonArray samples = new JsonArray();
    for (int i = 0; i < count; i++) {
      samples.add(micros[i]);
    }
    return new JsonObject().put("count", count).put("seconds", elapsed)
      .put("errors", errors.get() + (finished ? 0 : total - count)).put("micros", samples);
  }
}
