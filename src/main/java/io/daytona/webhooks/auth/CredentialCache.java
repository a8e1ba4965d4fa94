package io.daytona.webhooks.auth;

import io.vertx.core.Future;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What looking credentials up found, kept for a minute so that a credential costs at most one database look-up
 * per minute on each node, whatever the rate of requests or SockJS registers carrying it (unknown credentials
 * too: a client repeating a bad key is answered from here). Bounded ({@link #MAX_ENTRIES}, least recently used
 * first out). Keyed by the credential's SHA-256, so no credential is held in clear. Concurrent look-ups of one
 * credential share one query; a look-up that fails is not kept.
 * <p>
 * The cache is trusted only while the node hears of credential changes ({@link CredentialChangesVerticle}:
 * PostgreSQL {@code LISTEN}); until then, and whenever that connection is lost, every check goes to the database,
 * so that a revoked key is refused at once on every node.
 */
public final class CredentialCache<T> {

  /** How long a look-up's answer is used. */
  public static final long TTL_NANOS = 60_000_000_000L;
  public static final int MAX_ENTRIES = 10_000;

  private record Entry<T>(Future<T> value, long loadedAt) {
  }

  private final Map<String, Entry<T>> entries = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry<T>> eldest) {
      return size() > MAX_ENTRIES;
    }
  };
  private volatile boolean trusted;
  /** Counts changes heard: a look-up that began before one is answered but not kept (it may predate it). */
  private long changes;

  /**
   * The answer for the credential whose hash is {@code hash}: the one kept when fresh and trusted, else a new
   * {@code lookUp()} (its answer kept when it succeeds).
   */
  public Future<T> get(String hash, Supplier<Future<T>> lookUp) {
    if (!trusted) {
      return lookUp.get();
    }
    long now = System.nanoTime();
    Entry<T> entry;
    long changesBefore;
    synchronized (entries) {
      changesBefore = changes;
      entry = entries.get(hash);
      if (entry != null && (entry.value.failed() || now - entry.loadedAt > TTL_NANOS)) {
        entries.remove(hash);
        entry = null;
      }
    }
    if (entry != null) {
      return entry.value;
    }
    Future<T> value = lookUp.get();
    Entry<T> fresh = new Entry<>(value, now);
    synchronized (entries) {
      if (changes == changesBefore) {
        entries.putIfAbsent(hash, fresh);
      }
    }
    value.onComplete(ar -> {
      synchronized (entries) {
        if (ar.failed() || changes != changesBefore) {
          entries.remove(hash, fresh);
        }
      }
    });
    return value;
  }

  /** A credential changed (revoked, rescoped, deleted): its next check goes to the database. */
  public void evict(String hash) {
    synchronized (entries) {
      changes++;
      entries.remove(hash);
    }
  }

  /**
   * Whether answers may be kept: true once this node listens for credential changes, false as soon as it may
   * miss one. Either way, what was kept is forgotten.
   */
  public void trust(boolean trust) {
    trusted = trust;
    synchronized (entries) {
      changes++;
      entries.clear();
    }
  }

  int size() {
    synchronized (entries) {
      return entries.size();
    }
  }
}
