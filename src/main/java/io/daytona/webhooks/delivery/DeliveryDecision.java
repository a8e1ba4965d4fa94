package io.daytona.webhooks.delivery;

import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.provider.ProviderFailure.Kind;

import java.time.Duration;
import java.time.Instant;

/**
 * What the dispatcher does with an outbox row after the provider answered, decided from the failure's kind
 * alone (never from an HTTP status):
 * <ul>
 *   <li>success, or DUPLICATE (the provider has a message with this eventId) → SENT</li>
 *   <li>IN_PROGRESS, RATE_LIMITED, UNAVAILABLE, TIMEOUT → RETRY with backoff, unless the row has kept failing for
 *   {@code rejectAfter} while the provider accepted other rows: then REJECT (a poison row). While the provider
 *   accepts nothing (an outage of the provider as a whole) the row's failing time starts again at each try, so an
 *   outage rejects nothing.</li>
 *   <li>NOT_CONFIGURED → WAIT (handed back, no attempt counted)</li>
 *   <li>INPUT_REJECTED, REFUSED, NOT_FOUND → REJECT at once, with the reason</li>
 * </ul>
 *
 * @param firstFailedAt what to record as the time the row began failing (RETRY only)
 */
record DeliveryDecision(Action action, Instant firstFailedAt, String reason) {

  enum Action { SENT, RETRY, REJECT, WAIT }

  /**
   * @param failure       null when the provider accepted the message
   * @param firstFailedAt when the row began failing (null: it had not failed)
   * @param lastSuccessAt when the provider last accepted any row here (null: not since start)
   */
  static DeliveryDecision decide(ProviderFailure failure, Instant firstFailedAt, Instant lastSuccessAt, Instant now,
                                 Duration rejectAfter) {
    if (failure == null) {
      return new DeliveryDecision(Action.SENT, null, null);
    }
    Kind kind = failure.kind();
    if (kind == Kind.DUPLICATE) {
      return new DeliveryDecision(Action.SENT, null, "the provider already had this eventId: counted as sent");
    }
    if (kind == Kind.NOT_CONFIGURED) {
      return new DeliveryDecision(Action.WAIT, firstFailedAt, failure.detail());
    }
    String why = kind + (failure.upstreamStatus() == null ? "" : " (" + failure.upstreamStatus() + ")") + ": "
      + failure.detail();
    if (!kind.retryable()) {
      return new DeliveryDecision(Action.REJECT, null, why);
    }
    boolean othersAccepted = firstFailedAt != null && lastSuccessAt != null && lastSuccessAt.isAfter(firstFailedAt);
    if (!othersAccepted) {
      // first failure, or the provider accepted nothing since this row began failing: its clock starts (again) now
      return new DeliveryDecision(Action.RETRY, now, why);
    }
    if (!now.isBefore(firstFailedAt.plus(rejectAfter))) {
      return new DeliveryDecision(Action.REJECT, null, "rejected after failing for " + Duration.between(firstFailedAt, now)
        .toMillis() + " ms while the provider accepted other events (OUTBOX_REJECT_AFTER_MS): " + why);
    }
    return new DeliveryDecision(Action.RETRY, firstFailedAt, why);
  }
}
