package io.daytona.webhooks.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The one backoff formula of the service: the wait before the next try after {@code n} failures is
 * {@code base × factor^(n-1)}, capped at {@code max}, of which the last {@code jitter} fraction is random
 * (0.5: half fixed, half random; 0.2: up to 20 % below), and never shorter than a Retry-After the other side
 * asked for, nor longer than {@code max}. Pure but for {@code random} (injected in tests).
 */
public final class Backoff {

  private final double baseMs;
  private final double factor;
  private final double maxMs;
  private final double jitter;
  private final DoubleSupplier random;

  public Backoff(Duration base, double factor, Duration max, double jitter, DoubleSupplier random) {
    if (jitter < 0 || jitter > 1 || factor < 1) {
      throw new IllegalArgumentException("jitter 0-1, factor >= 1");
    }
    this.baseMs = base.toMillis();
    this.factor = factor;
    this.maxMs = Math.max(1, max.toMillis());
    this.jitter = jitter;
    this.random = random;
  }

  public Backoff(Duration base, double factor, Duration max, double jitter) {
    this(base, factor, max, jitter, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** Milliseconds to wait after the {@code failures}-th failure (1 = the first). */
  public long delayMs(int failures, Integer retryAfterSeconds) {
    double exp = baseMs * Math.pow(factor, Math.min(Math.max(0, failures - 1), 60));
    double capped = Math.min(maxMs, exp);
    double delay = capped * (1 - jitter) + random.getAsDouble() * capped * jitter;
    if (retryAfterSeconds != null) {
      delay = Math.max(delay, retryAfterSeconds * 1000.0);
    }
    return (long) Math.max(1, Math.min(maxMs, delay));
  }
}
