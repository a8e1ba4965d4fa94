package io.daytona.webhooks.provider;

import java.util.List;

/**
 * A partial update: a null field is left as it is. {@code eventTypesSet} says whether {@code eventTypes}
 * was given at all (given as null or empty: every type).
 */
public record EndpointPatch(String url, String description, boolean eventTypesSet, List<String> eventTypes,
                            Boolean disabled) {

  public EndpointPatch {
    eventTypes = eventTypes == null ? List.of() : List.copyOf(eventTypes);
  }

  public static EndpointPatch disabled(boolean disabled) {
    return new EndpointPatch(null, null, false, null, disabled);
  }
}
