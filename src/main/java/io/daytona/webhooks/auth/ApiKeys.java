package io.daytona.webhooks.auth;

import io.daytona.webhooks.Hashing;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Base64;
import java.util.Set;

/**
 * API keys: {@code whk_} + 32 random bytes (base64url). Only their SHA-256 is stored; a key is
 * scoped to one organization or marked admin.
 */
public final class ApiKeys {

  public static final String PREFIX = "whk_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);

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

  /**
   * The principal of a key, or null when no such unrevoked key exists (looked up each time: a revoked key is
   * refused at once on every node). Notes when the key was last used, at most once a minute.
   */
  public Future<Principal> find(String key) {
    return pool.preparedQuery("SELECT id, organization_id, admin, "
        + "(last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS note_use "
        + "FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
      .execute(Tuple.of(hash(key)))
      .map(rows -> {
        if (rows.size() == 0) {
          return null;
        }
        Row row = rows.iterator().next();
        long id = row.getLong("id");
        if (Boolean.TRUE.equals(row.getBoolean("note_use"))) {
          pool.preparedQuery("UPDATE api_keys SET last_used_at = now() WHERE id = $1").execute(Tuple.of(id))
            .onFailure(err -> LOG.warn("Could not note the use of API key {}: {}", id, err.getMessage()));
        }
        String org = row.getString("organization_id");
        return new Principal("api-key:" + id, row.getBoolean("admin"),
          org == null ? Set.of() : Set.of(org));
      });
  }

  /** One stored key as {@code list-api-keys} shows it (never the key or its hash). */
  public record Listed(String prefix, String organizationId, boolean admin, String description,
                       OffsetDateTime createdAt, OffsetDateTime lastUsedAt, OffsetDateTime revokedAt) {

    public String scope() {
      return admin ? "admin" : "organization " + organizationId;
    }
  }

  /** Every key, oldest first, revoked ones included. */
  public Future<List<Listed>> list() {
    return pool.query("SELECT key_prefix, organization_id, admin, description, created_at, last_used_at, revoked_at "
        + "FROM api_keys ORDER BY created_at, id").execute()
      .map(rows -> {
        List<Listed> out = new ArrayList<>();
        for (Row r : rows) {
          out.add(new Listed(r.getString("key_prefix"), r.getString("organization_id"), r.getBoolean("admin"),
            r.getString("description"), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("last_used_at"),
            r.getOffsetDateTime("revoked_at")));
        }
        return out;
      });
  }

  /**
   * Revokes the one unrevoked key with this prefix: the number revoked (0 when none has it). Several keys with
   * the same prefix are refused (an {@link IllegalArgumentException}) and none is revoked.
   */
  public Future<Integer> revoke(String prefix) {
    return pool.withTransaction(conn -> conn
      .preparedQuery("SELECT id FROM api_keys WHERE key_prefix = $1 AND revoked_at IS NULL FOR UPDATE")
      .execute(Tuple.of(prefix))
      .compose(rows -> {
        if (rows.size() > 1) {
          return Future.failedFuture(new IllegalArgumentException(rows.size() + " keys have the prefix '" + prefix
            + "': none was revoked"));
        }
        if (rows.size() == 0) {
          return Future.succeededFuture(0);
        }
        return conn.preparedQuery("UPDATE api_keys SET revoked_at = now() WHERE id = $1")
          .execute(Tuple.of(rows.iterator().next().getLong("id"))).map(r -> r.rowCount());
      }));
  }

  public Future<Boolean> exists(String key) {
    return find(key).map(p -> p != null);
  }
}
