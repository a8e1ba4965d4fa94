package io.daytona.webhooks.realtime;

import io.vertx.ext.web.handler.sockjs.SockJSSocket;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The SockJS sockets registered for each organization on this node, at most {@code REALTIME_MAX_SESSIONS_PER_ORG}
 * per organization: a socket counts once per organization it registered for, until it unregisters or closes.
 * One per node (every HTTP verticle's bridge shares it); thread-safe.
 */
public final class RealtimeSessions {

  private final int maxPerOrganization;
  private final Map<String, Set<SockJSSocket>> byOrganization = new HashMap<>();

  public RealtimeSessions(int maxPerOrganization) {
    this.maxPerOrganization = maxPerOrganization;
  }

  /** Counts {@code socket} for {@code org}: false (nothing counted) when the organization has its share already. */
  public synchronized boolean admit(String org, SockJSSocket socket) {
    Set<SockJSSocket> sockets = byOrganization.computeIfAbsent(org, k -> new HashSet<>());
    if (sockets.contains(socket)) {
      return true;
    }
    if (sockets.size() >= maxPerOrganization) {
      if (sockets.isEmpty()) {
        byOrganization.remove(org);
      }
      return false;
    }
    sockets.add(socket);
    return true;
  }

  /** The socket unregistered from {@code org}'s address. */
  public synchronized void release(String org, SockJSSocket socket) {
    Set<SockJSSocket> sockets = byOrganization.get(org);
    if (sockets != null && sockets.remove(socket) && sockets.isEmpty()) {
      byOrganization.remove(org);
    }
  }

  /** The socket closed: it counts for no organization any more. */
  public synchronized void closed(SockJSSocket socket) {
    Iterator<Set<SockJSSocket>> it = byOrganization.values().iterator();
    while (it.hasNext()) {
      Set<SockJSSocket> sockets = it.next();
      if (sockets.remove(socket) && sockets.isEmpty()) {
        it.remove();
      }
    }
  }

  public synchronized int count(String org) {
    Set<SockJSSocket> sockets = byOrganization.get(org);
    return sockets == null ? 0 : sockets.size();
  }
}
