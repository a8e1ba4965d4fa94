package io.daytona.webhooks.retry;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {

  private static Backoff backoff(double random) {
    return new Backoff(Duration.ofMillis(500), 2, Duration.ofMillis(30_000), 0.5, () -> random);
  }

  @Test
  void growsExponentiallyWithHalfOfItRandom() {
    assertThat(backoff(0).delayMs(1, null)).isEqualTo(250);
    assertThat(backoff(1).delayMs(1, null)).isEqualTo(500);
    assertThat(backoff(0).delayMs(2, null)).isEqualTo(500);
    assertThat(backoff(1).delayMs(3, null)).isEqualTo(2_000);
    assertThat(backoff(0.5).delayMs(4, null)).isEqualTo(3_000);
  }

  @Test
  void neverExceedsTheCap() {
    assertThat(backoff(1).delayMs(10, null)).isEqualTo(30_000);
    assertThat(backoff(0).delayMs(10, null)).isEqualTo(15_000);
    assertThat(backoff(1).delayMs(Integer.MAX_VALUE, null)).isEqualTo(30_000);
  }

  @Test
  void retryAfterIsHonouredUpToTheCap() {
    assertThat(backoff(0).delayMs(1, 7)).isEqualTo(7_000);
    assertThat(backoff(0).delayMs(1, 3_600)).isEqualTo(30_000);
  }

  @Test
  void jitterBelowOnly() {
    Backoff b = new Backoff(Duration.ofSeconds(30), 2, Duration.ofHours(1), 0.2, () -> 0);
    assertThat(b.delayMs(1, null)).isEqualTo(24_000);
    assertThat(new Backoff(Duration.ofSeconds(30), 2, Duration.ofHours(1), 0.2, () -> 1).delayMs(2, null)).isEqualTo(60_000);
  }
}
