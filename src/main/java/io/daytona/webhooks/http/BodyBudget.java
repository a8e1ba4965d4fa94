package io.daytona.webhooks.http;

import io.vertx.core.http.HttpServerRequest;

import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The request bodies one node reads and handles at once, in bytes: a request with a body reserves its declared
 * {@code Content-Length} (or the body limit when it is sent in chunks) before a byte of it is read, and gives it
 * back when its response ends. A request that finds the budget spent is answered 503 with {@code Retry-After}
 * and its body is not read, so that many large bodies at once (each held as bytes, parsed JSON and text while it
 * is validated, queued and committed) cannot exhaust the heap; a single request always fits. One per node,
 * shared by the HTTP verticles; thread-safe.
 */
public final class BodyBudget {

  private final long capacity;
  private final AtomicLong reserved = new AtomicLong();

  /**
   * The body length {@code request} declares in {@code Content-Length}: empty when it declares none or one that
   * is not a number (each caller decides what such a request may take).
   */
  public static OptionalLong declaredLength(HttpServerRequest request) {
    String declared = request.getHeader("Content-Length");
    if (declared == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(declared.trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  public BodyBudget(long capacity) {
    this.capacity = capacity;
  }

  /**
   * A thirty-second of the heap, and at least four bodies of the largest size accepted: a body is held several
   * times over while it is handled (bytes, parsed JSON, text, the statement's parameters), about five times for
   * a {@code /send}, so that the bodies in flight take at most about a sixth of the heap.
   */
  public static BodyBudget forHeap(long maxHeapBytes, long bodyLimit) {
    return new BodyBudget(Math.max(4 * bodyLimit, maxHeapBytes / 32));
  }

  /** Reserves {@code bytes}; false (nothing reserved) when they do not fit beside what is reserved already. */
  public boolean tryReserve(long bytes) {
    while (true) {
      long now = reserved.get();
      if (now > 0 && now + bytes > capacity) {
        return false;
      }
      if (reserved.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  public void release(long bytes) {
    reserved.addAndGet(-bytes);
  }

  public long capacity() {
    return capacity;
  }

  public long reserved() {
    return reserved.get();
  }
}
