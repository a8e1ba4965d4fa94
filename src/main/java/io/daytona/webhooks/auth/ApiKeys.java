package io.daytona.webhooks.auth;

import io.daytona.webhooks.Hashing;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * API keys: {@code whk_} + 32 random bytes (base64url). Only their SHA-256 is stored; a key is
 * scoped to one organization or marked admin.
 */
public final class ApiKeys {

  public static final String PREFIX = "whk_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;

  public ApiKeys(Pool pool) {
    this.pool = pool;
  }

  public static String newKey() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static boolean looksLikeKey(String token) {
    return token != null && token.startsWith(PREFIX) && token.length() > PREFIX.length() && token.length() <= 128;
  }

  /** What is stored of a key: its SHA-256 (hex). */
  public static String hash(String key) {
    return Hashing.sha256Hex(key);
  }

  /** Stores the hash of {@code key}; {@code organizationId} null means an admin key. */
  public Future<Void> store(String key, String organizationId, String description) {
    return pool.preparedQuery("INSERT INTO api_keys (key_hash, key_prefix, organization_id, admin, description) "
        + "VALUES ($1, $2, $3, $4, $5)")
      .execute(Tuple.of(hash(key), key.substring(0, Math.min(key.length(), 12)), organizationId,
        organizationId == null, description))
      .mapEmpty();
  }

  /** The principal of a key, or null when no such (unrevoked) key exists. */
  public Future<Principal> find(String key) {
    return pool.preparedQuery("SELECT id, organization_id, admin FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
      .execute(Tuple.of(hash(key)))
      .map(rows -> {
        if (rows.size() == 0) {
          return null;
        }
        Row row = rows.iterator().next();
        String org = row.getString("organization_id");
        return new Principal("api-key:" + row.getLong("id"), row.getBoolean("admin"),
          org == null ? Set.of() : Set.of(org));
      });
  }

  public Future<Boolean> exists(String key) {
    return find(key).map(p -> p != null);
  }
}
