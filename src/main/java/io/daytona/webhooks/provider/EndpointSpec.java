package io.daytona.webhooks.provider;

import java.util.List;

/**
 * What an endpoint should be, for a create or a whole update in place. {@code uid} (stable name, may be
 * null), {@code eventTypes} empty or null: every type; {@code secret} a {@code whsec_} key, or null to
 * have one generated (create only).
 */
public record EndpointSpec(String uid, String url, String description, List<String> eventTypes, boolean disabled,
                           String secret) {

  public EndpointSpec {
    eventTypes = eventTypes == null ? List.of() : List.copyOf(eventTypes);
    description = description == null ? "" : description;
  }

  public static EndpointSpec of(String url, String description, List<String> eventTypes) {
    return new EndpointSpec(null, url, description, eventTypes, false, null);
  }

  public EndpointSpec withUid(String newUid) {
    return new EndpointSpec(newUid, url, description, eventTypes, disabled, secret);
  }
}
