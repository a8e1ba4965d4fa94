package io.daytona.webhooks.events;

import io.daytona.webhooks.bus.Addresses;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The platform's event types, as registered with Svix, with their descriptions. */
public final class EventTypes {

  /** Svix's event type name rule. */
  public static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9\\-_.]{1,256}$");

  /** Name → description, in the order of {@link Addresses#PLATFORM_EVENTS}. */
  public static final Map<String, String> PLATFORM;

  static {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("sandbox.created", "A sandbox was created");
    m.put("sandbox.state.updated", "A sandbox changed state");
    m.put("sandbox.desired-state.updated", "A sandbox's desired state changed");
    m.put("snapshot.created", "A snapshot was created");
    m.put("snapshot.state.updated", "A snapshot changed state");
    m.put("snapshot.removed", "A snapshot was removed");
    m.put("volume.created", "A volume was created");
    m.put("volume.state.updated", "A volume changed state");
    m.put("volume.lastUsedAt.updated", "A volume was used");
    m.put("audit-log.created", "An audit log entry was created");
    m.put("audit-log.updated", "An audit log entry was updated");
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
