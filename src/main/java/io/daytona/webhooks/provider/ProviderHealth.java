package io.daytona.webhooks.provider;

/** Whether the provider is configured, and whether it answered its last health check. */
public record ProviderHealth(boolean configured, boolean reachable) {
}
