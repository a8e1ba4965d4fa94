package io.daytona.webhooks.provider;

/** An organization's application at the provider: its id there, and its uid (the organization id). */
public record Application(String id, String uid, String name) {
}
