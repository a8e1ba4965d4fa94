package io.daytona.webhooks.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Development mode: one admin API key, created once and kept in the data directory
 * ({@code dev-admin-api-key}), so that a fresh checkout is usable without any identity provider.
 */
public final class DevelopmentKey {

  public static final String FILE = "dev-admin-api-key";

  private DevelopmentKey() {
  }

  /** The development admin key of {@code dataDir}, created (file and stored hash) when missing. */
  public static Future<String> ensure(Vertx vertx, Path dataDir, ApiKeys keys) {
    Path file = dataDir.resolve(FILE);
    return vertx.executeBlocking(() -> Files.isReadable(file) ? Files.readString(file).trim() : null, false)
      .compose(existing -> {
        if (existing != null && ApiKeys.looksLikeKey(existing)) {
          return keys.exists(existing).compose(known -> known
            ? Future.succeededFuture(existing)
            : keys.store(existing, null, "development admin key").map(existing));
        }
        String key = ApiKeys.newKey();
        return keys.store(key, null, "development admin key")
          .compose(v -> vertx.executeBlocking(() -> {
            Files.createDirectories(dataDir);
            Files.writeString(file, key + "\n");
            try {
              Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
              // not a POSIX file system
            }
            return key;
          }, false));
      });
  }

  /**
   * Outside development mode the development admin key of an earlier run must not open anything: revoked
   * (logged when there was one).
   */
  public static Future<Void> revoke(io.vertx.sqlclient.Pool pool) {
    return pool.query("UPDATE api_keys SET revoked_at = now() WHERE description = 'development admin key' "
        + "AND revoked_at IS NULL").execute()
      .map(rows -> {
        if (rows.rowCount() > 0) {
          org.slf4j.LoggerFactory.getLogger(DevelopmentKey.class).warn(
            "Not in development mode: the development admin key of an earlier run is revoked");
        }
        return (Void) null;
      });
  }
}
