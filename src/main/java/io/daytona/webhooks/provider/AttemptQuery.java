package io.daytona.webhooks.provider;

/** A page of attempts, newest first, optionally only those of one status. */
public record AttemptQuery(PageRequest page, Attempt.Status status) {
}
