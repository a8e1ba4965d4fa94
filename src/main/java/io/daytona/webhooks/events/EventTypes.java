package io.daytona.webhooks.events;

import io.daytona.webhooks.bus.Addresses;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The platform's event type names and descriptions (written once, with their schemas, in {@link EventCatalog}). */
public final class EventTypes {

  /** Svix's event type name rule. */
  public static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9\\-_.]{1,256}$");

  /** Name → description, in the order of {@link Addresses#PLATFORM_EVENTS} (from {@link EventCatalog}). */
  public static final Map<String, String> PLATFORM;

  static {
    Map<String, String> m = new LinkedHashMap<>();
    EventCatalog.platform().forEach(t -> m.put(t.name(), t.description()));
    PLATFORM = java.util.Collections.unmodifiableMap(m);
    if (!List.copyOf(m.keySet()).equals(Addresses.PLATFORM_EVENTS)) {
      throw new IllegalStateException("event types and platform event addresses disagree");
    }
  }

  private EventTypes() {
  }

  /** The platform event types whose name starts with {@code prefix} (e.g. "sandbox."). */
  public static List<String> withPrefix(String prefix) {
    return PLATFORM.keySet().stream().filter(n -> n.startsWith(prefix)).toList();
  }
}
