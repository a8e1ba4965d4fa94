package io.daytona.webhooks.testsupport.svix;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The faults the stand-in is told to inject. Thread-safe: tests add faults from their own thread while the
 * event loop consumes them. A fault with a count is used up by that many matching requests; one without a count
 * stays until {@link #clear()}. A fault may be limited to requests whose path contains a given piece
 * (e.g. {@code "/msg"} or {@code "/endpoint"}), or ending with one when it ends with {@code $}
 * (e.g. {@code "/api/v1/app$"}: creating or listing applications only).
 */
final class SvixFaults {
  enum Kind { STATUS, DELAY }

  static final int FOREVER = -1;

  static final class Fault {
    final Kind kind;
    final int status;
    final Integer retryAfterSeconds;
    final long delayMs;
    final String pathContains;
    final AtomicInteger remaining;
    /** Matching requests let through before the fault applies. */
    final AtomicInteger passThrough = new AtomicInteger();

    Fault(Kind kind, int status, Integer retryAfterSeconds, long delayMs, String pathContains, int count) {
      this.kind = kind;
      this.status = status;
      this.retryAfterSeconds = retryAfterSeconds;
      this.delayMs = delayMs;
      this.pathContains = pathContains;
      this.remaining = new AtomicInteger(count);
    }

    boolean tryConsume(String path) {
      if (pathContains != null && !(pathContains.endsWith("$")
          ? path.endsWith(pathContains.substring(0, pathContains.length() - 1)) : path.contains(pathContains))) {
        return false;
      }
      while (true) {
        int p = passThrough.get();
        if (p <= 0) {
          break;
        }
        if (passThrough.compareAndSet(p, p - 1)) {
          return false;
        }
      }
      while (true) {
        int r = remaining.get();
        if (r == FOREVER) {
          return true;
        }
        if (r <= 0) {
          return false;
        }
        if (remaining.compareAndSet(r, r - 1)) {
          return true;
        }
      }
    }
  }

  private final List<Fault> faults = new CopyOnWriteArrayList<>();

  void add(Fault f) {
    faults.add(f);
  }

  void addStatus(int count, int status, Integer retryAfterSeconds, String pathContains) {
    add(new Fault(Kind.STATUS, status, retryAfterSeconds, 0, pathContains, count));
  }

  void addDelay(int count, Duration delay, String pathContains) {
    add(new Fault(Kind.DELAY, 0, null, delay.toMillis(), pathContains, count));
  }

  /** The first fault of this kind that applies to the path, used up by one; null when none applies. */
  Fault take(Kind kind, String path) {
    for (Fault f : faults) {
      if (f.kind == kind && f.tryConsume(path)) {
        if (f.remaining.get() == 0) {
          faults.remove(f);
        }
        return f;
      }
    }
    return null;
  }

  void clear() {
    faults.clear();
  }

  int size() {
    return faults.size();
  }
}
