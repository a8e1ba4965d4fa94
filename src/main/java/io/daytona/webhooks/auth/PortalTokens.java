package io.daytona.webhooks.auth;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Set;

/**
 * Portal tokens: opaque {@code whp_…} bearer tokens scoped to one organization until they expire, stored only
 * as SHA-256 hashes ({@code portal_tokens}). A portal token's {@link Principal} is marked {@code portal}: it
 * reaches that organization's REST operations and real-time address, never an admin operation nor the minting
 * of another portal token.
 */
public final class PortalTokens {

  public static final String PREFIX = "whp_";
  public static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);
  public static final Duration MAX_LIFETIME = Duration.ofDays(7);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A token just minted: the only time it is seen in clear. */
  public record Minted(String token, String organizationId, Instant expiresAt) {
  }

  /** What looking a token up found. */
  public record Found(Principal principal, Instant expiresAt) {

    public boolean expired() {
      return !Instant.now().isBefore(expiresAt);
    }
  }

  private final Pool pool;

  public PortalTokens(Pool pool) {
    this.pool = pool;
  }

  public static boolean looksLikeToken(String token) {
    return token != null && token.startsWith(PREFIX) && token.length() > PREFIX.length() && token.length() <= 128;
  }

  /** Mints a token for {@code organizationId} living {@code lifetime} (at most {@link #MAX_LIFETIME}). */
  public Future<Minted> mint(String organizationId, Duration lifetime, String createdBy) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Duration life = lifetime.compareTo(MAX_LIFETIME) > 0 ? MAX_LIFETIME : lifetime;
    Instant expiresAt = Instant.now().plus(life).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    return pool.preparedQuery("INSERT INTO portal_tokens (token_hash, token_prefix, organization_id, created_by, "
        + "expires_at) VALUES ($1, $2, $3, $4, $5)")
      .execute(Tuple.of(ApiKeys.hash(token), token.substring(0, 12), organizationId, createdBy,
        expiresAt.atOffset(ZoneOffset.UTC)))
      .map(r -> new Minted(token, organizationId, expiresAt));
  }

  /** The token's principal and whether it has expired; null when no such token exists. */
  public Future<Found> find(String token) {
    return pool.preparedQuery("SELECT token_prefix, organization_id, expires_at FROM portal_tokens "
        + "WHERE token_hash = $1").execute(Tuple.of(ApiKeys.hash(token)))
      .map(rows -> {
        if (rows.size() == 0) {
          return null;
        }
        Row row = rows.iterator().next();
        return new Found(new Principal("portal:" + row.getString("token_prefix"), false,
          Set.of(row.getString("organization_id")), true), row.getOffsetDateTime("expires_at").toInstant());
      });
  }

  /** Deletes tokens that expired more than a day ago. */
  public Future<Integer> pruneExpired() {
    return pool.query("DELETE FROM portal_tokens WHERE expires_at < now() - interval '1 day'").execute()
      .map(r -> r.rowCount());
  }
}
