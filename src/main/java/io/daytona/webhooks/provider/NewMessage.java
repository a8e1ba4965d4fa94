package io.daytona.webhooks.provider;

/**
 * A message to create: {@code payload} is the raw JSON text of the webhook body (sent as it is),
 * {@code eventId} the idempotency id the provider deduplicates on, {@code idempotencyKey} the key of this
 * request (the same on every retry of the same outbox row).
 */
public record NewMessage(String eventType, String eventId, String payload, String idempotencyKey) {
}
