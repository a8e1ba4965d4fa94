package io.daytona.webhooks.events;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code SEND_RATE_LIMIT}: a token bucket per organization, in memory on this node (each node allows the
 * rate by itself). A bucket holds up to twice the rate (the burst) and refills at the rate per second.
 * At most {@code maxOrganizations} buckets are kept: the least recently used one is dropped first (an
 * organization quiet long enough to be dropped would have had a full bucket anyway, unless more than
 * that many organizations send at once). Not thread-safe: used on one event loop.
 */
final class SendRateLimiter {

  /** Buckets kept at most. */
  static final int MAX_ORGANIZATIONS = 10_000;

  private final double ratePerNano;
  private final double burst;
  private final double ratePerSecond;
  private final LongSupplier nanoClock;
  private final Map<String, Bucket> buckets;

  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  SendRateLimiter(int ratePerSecond, int maxOrganizations, LongSupplier nanoClock) {
    this.ratePerSecond = ratePerSecond;
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = 2.0 * ratePerSecond;
    this.nanoClock = nanoClock;
    this.buckets = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
        return size() > maxOrganizations;
      }
    };
  }

  SendRateLimiter(int ratePerSecond) {
    this(ratePerSecond, MAX_ORGANIZATIONS, System::nanoTime);
  }

  /**
   * Takes one token of {@code organizationId}'s bucket: 0 when taken, else the whole seconds to wait
   * (at least 1) until one is there (nothing taken).
   */
  long tryAcquire(String organizationId) {
    long now = nanoClock.getAsLong();
    Bucket b = buckets.get(organizationId);
    if (b == null) {
      b = new Bucket(burst, now);
      buckets.put(organizationId, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + (now - b.at) * ratePerNano);
      b.at = now;
    }
    if (b.tokens >= 1.0) {
      b.tokens -= 1.0;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((1.0 - b.tokens) / ratePerSecond));
  }

  /** Buckets held now (for tests). */
  int size() {
    return buckets.size();
  }
}
