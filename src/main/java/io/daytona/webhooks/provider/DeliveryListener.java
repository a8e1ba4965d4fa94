package io.daytona.webhooks.provider;

/**
 * What a provider that delivers by itself (the built-in one) reports as it works; the service wires it to
 * the real-time messages ({@code webhook.delivered} / {@code webhook.failed}, {@code endpoint.updated}).
 * Called on an event loop; must not block.
 */
public interface DeliveryListener {

  /** One attempt ended ({@code attempt.status()} SUCCESS or FAILED); {@code attemptNumber} counts from 1. */
  void attempted(String organizationId, Message message, Attempt attempt, int attemptNumber);

  /** The provider disabled an endpoint by itself (410 Gone, failing too long); {@code reason} says why. */
  void endpointDisabled(String organizationId, Endpoint endpoint, String reason);

  DeliveryListener NONE = new DeliveryListener() {
    @Override
    public void attempted(String organizationId, Message message, Attempt attempt, int attemptNumber) {
    }

    @Override
    public void endpointDisabled(String organizationId, Endpoint endpoint, String reason) {
    }
  };
}
