package io.daytona.webhooks.provider;

/** Which page of a listing: at most {@code limit} items (1–250), after {@code iterator} (null: from the start). */
public record PageRequest(int limit, String iterator) {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 250;

  public PageRequest {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1-" + MAX_LIMIT + ": " + limit);
    }
  }

  public static PageRequest first(int limit) {
    return new PageRequest(limit, null);
  }
}
