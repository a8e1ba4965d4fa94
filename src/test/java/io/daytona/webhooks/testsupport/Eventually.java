package io.daytona.webhooks.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition on the test thread (it may block, e.g. JDBC) until it holds; fails after the timeout. */
public final class Eventually {

  private Eventually() {
  }

  public static void eventually(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
