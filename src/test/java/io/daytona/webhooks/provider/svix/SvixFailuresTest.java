package io.daytona.webhooks.provider.svix;

import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.provider.ProviderFailure.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** Svix's answers as failure kinds: one pure function, every status. */
class SvixFailuresTest {

  private static final String ERROR = "{\"code\":\"some_code\",\"detail\":\"Svix says no\"}";

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "400, INPUT_REJECTED", "413, INPUT_REJECTED", "414, INPUT_REJECTED", "415, INPUT_REJECTED", "422, INPUT_REJECTED",
    "404, NOT_FOUND", "409, DUPLICATE", "429, RATE_LIMITED", "408, TIMEOUT",
    "500, UNAVAILABLE", "502, UNAVAILABLE", "503, UNAVAILABLE", "504, UNAVAILABLE",
    "401, REFUSED", "403, REFUSED", "410, REFUSED", "402, REFUSED", "405, REFUSED", "451, REFUSED"
  })
  void everyStatusHasItsKindAndKeepsSvixsDetail(int status, Kind kind) {
    ProviderFailure f = SvixFailures.of(status, ERROR, 7);
    assertThat(f.kind()).isEqualTo(kind);
    assertThat(f.upstreamStatus()).isEqualTo(status);
    if (kind != Kind.RATE_LIMITED && kind != Kind.TIMEOUT) {
      assertThat(f.detail()).contains("Svix says no");
    }
    Integer expected = kind == Kind.RATE_LIMITED ? Integer.valueOf(7) : null;
    assertThat(f.retryAfterSeconds()).isEqualTo(expected);
  }

  @Test
  void aRateLimitWithoutRetryAfterWaitsOneSecond() {
    assertThat(SvixFailures.of(429, ERROR, null).retryAfterSeconds()).isEqualTo(1);
  }

  @Test
  void aConflictAboutAnIdempotencyKeyStillRunningIsInProgressNotDuplicate() {
    assertThat(SvixFailures.of(409, "{\"code\":\"conflict\",\"detail\":\"A request with this idempotency key is still in progress\"}", null)
      .kind()).isEqualTo(Kind.IN_PROGRESS);
    assertThat(SvixFailures.of(409, "{\"code\":\"idempotency_conflict\",\"detail\":\"Conflict\"}", null).kind())
      .isEqualTo(Kind.IN_PROGRESS);
    assertThat(SvixFailures.of(409, "{\"code\":\"conflict\",\"detail\":\"A message with this eventId already exists.\"}", null)
      .kind()).isEqualTo(Kind.DUPLICATE);
  }

  @Test
  void aValidationErrorNamingTheUrlPointsAtUrl() {
    String body = "{\"detail\":[{\"loc\":[\"body\",\"url\"],\"msg\":\"invalid or missing URL scheme\",\"type\":\"value_error.url\"}]}";
    ProviderFailure f = SvixFailures.of(422, body, null);
    assertThat(f.kind()).isEqualTo(Kind.INPUT_REJECTED);
    assertThat(f.pointer()).isEqualTo("/url");
    assertThat(f.detail()).contains("invalid or missing URL scheme");
    assertThat(SvixFailures.of(422, "{\"detail\":[{\"loc\":[\"body\",\"filterTypes\"],\"msg\":\"x\"}]}", null).pointer())
      .isEqualTo("/eventTypes");
    assertThat(SvixFailures.of(400, ERROR, null).pointer()).isNull();
  }

  @Test
  void networkErrorsAreUnavailableAndDeadlinesTimeouts() {
    assertThat(SvixFailures.from(new ConnectException("refused"), null, 500).kind()).isEqualTo(Kind.UNAVAILABLE);
    assertThat(SvixFailures.from(new IOException("reset"), null, 500).kind()).isEqualTo(Kind.UNAVAILABLE);
    assertThat(SvixFailures.from(new SocketTimeoutException("read"), null, 500).kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(SvixFailures.timeout(500).detail()).contains("500 ms");
    assertThat(SvixFailures.from(new IllegalStateException(), null, 500).kind()).isEqualTo(Kind.UNAVAILABLE);
  }

  @Test
  void notConfiguredSaysWhatToSet() {
    assertThat(SvixFailures.notConfigured().kind()).isEqualTo(Kind.NOT_CONFIGURED);
    assertThat(SvixFailures.notConfigured().detail()).contains("SVIX_AUTH_TOKEN");
  }

  @Test
  void onlyOutagesSayTheProviderIsDown() {
    for (Kind k : Kind.values()) {
      assertThat(k.providerDown()).as("%s", k).isEqualTo(k == Kind.UNAVAILABLE || k == Kind.TIMEOUT);
    }
  }
}
