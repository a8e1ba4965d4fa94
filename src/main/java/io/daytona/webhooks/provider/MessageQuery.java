package io.daytona.webhooks.provider;

import java.time.Instant;

/** A page of an organization's messages, newest first, optionally of one type and within a time window. */
public record MessageQuery(PageRequest page, String eventType, Instant before, Instant after) {
}
