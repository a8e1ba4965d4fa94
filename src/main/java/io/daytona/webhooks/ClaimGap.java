package io.daytona.webhooks;

import io.vertx.core.Vertx;

/**
 * The least time between a claim that came back short (found nothing, or less than it had room for) and the next
 * one. A worker woken up by every commit or every finished attempt would otherwise claim back to back, each claim
 * finding a few rows, and keep the database busy with claiming. A claim that came back full is followed at once.
 * Use from one event loop.
 */
public final class ClaimGap {

  private final Vertx vertx;
  private final long gapMs;
  private boolean lastShort;
  private long lastClaimAt;
  private boolean timerSet;

  public ClaimGap(Vertx vertx, long gapMs) {
    this.vertx = vertx;
    this.gapMs = gapMs;
  }

  /**
   * True when a claim may start now (and records its start); false when the last claim came back short less than
   * the gap ago: {@code retry} then runs once the gap has passed (one timer however often this is asked).
   */
  public boolean mayClaim(Runnable retry) {
    long wait = lastShort ? lastClaimAt + gapMs - System.currentTimeMillis() : 0;
    if (wait > 0) {
      if (!timerSet) {
        timerSet = true;
        vertx.setTimer(wait, t -> {
          timerSet = false;
          retry.run();
        });
      }
      return false;
    }
    lastClaimAt = System.currentTimeMillis();
    return true;
  }

  /** Records how the claim started last came back. */
  public void claimed(boolean cameBackShort) {
    lastShort = cameBackShort;
  }
}
