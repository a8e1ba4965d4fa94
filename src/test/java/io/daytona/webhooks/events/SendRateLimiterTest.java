package io.daytona.webhooks.events;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The token bucket on a clock the test moves. */
class SendRateLimiterTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void aBurstOfTwiceTheRateThenTheRatePerSecond() {
    SendRateLimiter limiter = new SendRateLimiter(10, 100, now::get);
    for (int i = 0; i < 20; i++) {
      assertThat(limiter.tryAcquire("a")).as("send %d", i).isZero();
    }
    assertThat(limiter.tryAcquire("a")).isEqualTo(1);
    assertThat(limiter.tryAcquire("b")).as("another organization has its own bucket").isZero();
    now.addAndGet(500_000_000L); // half a second: 5 tokens
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.tryAcquire("a")).isZero();
    }
    assertThat(limiter.tryAcquire("a")).isEqualTo(1);
    now.addAndGet(60_000_000_000L); // a minute: full again, never more than the burst
    int taken = 0;
    while (limiter.tryAcquire("a") == 0) {
      taken++;
    }
    assertThat(taken).isEqualTo(20);
  }

  @Test
  void retryAfterIsTheWholeSecondsUntilATokenIsThere() {
    SendRateLimiter limiter = new SendRateLimiter(1, 100, now::get);
    assertThat(limiter.tryAcquire("a")).isZero();
    assertThat(limiter.tryAcquire("a")).isZero();
    assertThat(limiter.tryAcquire("a")).isEqualTo(1);
    now.addAndGet(999_000_000L);
    assertThat(limiter.tryAcquire("a")).isEqualTo(1);
    now.addAndGet(1_000_000L);
    assertThat(limiter.tryAcquire("a")).isZero();
  }

  @Test
  void theMapIsBoundedDroppingTheLeastRecentlyUsedBucket() {
    SendRateLimiter limiter = new SendRateLimiter(1, 3, now::get);
    limiter.tryAcquire("a");
    limiter.tryAcquire("a");
    assertThat(limiter.tryAcquire("a")).isEqualTo(1);
    for (String org : new String[] {"b", "c", "a", "d"}) {
      limiter.tryAcquire(org);
    }
    assertThat(limiter.size()).isEqualTo(3);
    // "b" was the least recently used: dropped; "a" (used again) kept its empty bucket
    assertThat(limiter.tryAcquire("a")).isEqualTo(1);
    for (int i = 0; i < 10_000; i++) {
      limiter.tryAcquire("org-" + i);
    }
    assertThat(limiter.size()).isEqualTo(3);
  }
}
