package io.daytona.webhooks.delivery;

import io.daytona.webhooks.delivery.DeliveryDecision.Action;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.provider.ProviderFailure.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** What the dispatcher does after the provider answered: from the kind, the row's failing time and others' successes. */
class DeliveryDecisionTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration HOUR = Duration.ofHours(1);

  private static DeliveryDecision decide(Kind kind, Instant firstFailed, Instant lastSuccess, Instant now) {
    return DeliveryDecision.decide(kind == null ? null : new ProviderFailure(kind, "why", null, 500, null),
      firstFailed, lastSuccess, now, HOUR);
  }

  @Test
  void successAndDuplicateAreSent() {
    assertThat(decide(null, null, null, T0).action()).isEqualTo(Action.SENT);
    assertThat(decide(Kind.DUPLICATE, T0, null, T0).action()).isEqualTo(Action.SENT);
  }

  @ParameterizedTest
  @EnumSource(value = Kind.class, names = {"INPUT_REJECTED", "REFUSED", "NOT_FOUND"})
  void theCallersOrARefusalIsRejectedAtOnce(Kind kind) {
    DeliveryDecision d = decide(kind, null, null, T0);
    assertThat(d.action()).isEqualTo(Action.REJECT);
    assertThat(d.reason()).startsWith(kind.name()).contains("why");
  }

  @Test
  void notConfiguredWaits() {
    assertThat(decide(Kind.NOT_CONFIGURED, null, null, T0).action()).isEqualTo(Action.WAIT);
  }

  @ParameterizedTest
  @EnumSource(value = Kind.class, names = {"IN_PROGRESS", "RATE_LIMITED", "UNAVAILABLE", "TIMEOUT"})
  void retryableKindsRetryAndStartTheRowsClock(Kind kind) {
    DeliveryDecision d = decide(kind, null, null, T0);
    assertThat(d.action()).isEqualTo(Action.RETRY);
    assertThat(d.firstFailedAt()).isEqualTo(T0);
  }

  @Test
  void aRowFailingWhileOthersSucceedIsRejectedAfterRejectAfter() {
    Instant later = T0.plus(Duration.ofMinutes(59));
    assertThat(decide(Kind.UNAVAILABLE, T0, T0.plusSeconds(1), later).action()).isEqualTo(Action.RETRY);
    assertThat(decide(Kind.UNAVAILABLE, T0, T0.plusSeconds(1), later).firstFailedAt()).isEqualTo(T0);
    DeliveryDecision d = decide(Kind.UNAVAILABLE, T0, T0.plusSeconds(1), T0.plus(HOUR));
    assertThat(d.action()).isEqualTo(Action.REJECT);
    assertThat(d.reason()).startsWith("rejected after failing for 3600000 ms");
  }

  @Test
  void anOutageOfTheWholeProviderRejectsNothingAndRestartsTheClock() {
    // nothing accepted since the row began failing: however long, the row is retried and its clock starts again
    Instant muchLater = T0.plus(Duration.ofHours(5));
    DeliveryDecision d = decide(Kind.UNAVAILABLE, T0, T0.minusSeconds(10), muchLater);
    assertThat(d.action()).isEqualTo(Action.RETRY);
    assertThat(d.firstFailedAt()).isEqualTo(muchLater);
    assertThat(decide(Kind.TIMEOUT, T0, null, muchLater).action()).isEqualTo(Action.RETRY);
  }
}
