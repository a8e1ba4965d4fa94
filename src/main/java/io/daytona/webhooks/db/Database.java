package io.daytona.webhooks.db;

import io.daytona.webhooks.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's PostgreSQL: the external one of {@code DATABASE_URL} or the embedded one of the
 * data directory, migrated with Flyway, reached through one vertx-pg-client pool.
 */
public final class Database {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private final Pool pool;
  private final EmbeddedDatabase embedded;
  private final String description;

  private Database(Pool pool, EmbeddedDatabase embedded, String description) {
    this.pool = pool;
    this.embedded = embedded;
    this.description = description;
  }

  /** Where the database is, migrated: blocking work runs on a worker thread. */
  public static Future<Database> open(Vertx vertx, ServiceConfig config) {
    return vertx.executeBlocking(() -> {
      EmbeddedDatabase embedded = null;
      PgConnectOptions connect;
      if (config.database == null) {
        embedded = EmbeddedDatabase.startOrAttach(config.dataDir);
        connect = new PgConnectOptions().setHost("127.0.0.1").setPort(embedded.port())
          .setDatabase(embedded.database()).setUser(embedded.user());
      } else {
        ServiceConfig.Database d = config.database;
        connect = new PgConnectOptions().setHost(d.host()).setPort(d.port()).setDatabase(d.database())
          .setUser(d.user());
        if (d.password() != null) {
          connect.setPassword(d.password());
        }
      }
      connect.setCachePreparedStatements(true).setPipeliningLimit(256);
      try {
        migrate(connect);
      } catch (RuntimeException e) {
        if (embedded != null) {
          embedded.close();
        }
        throw e;
      }
      return new Object[] {connect, embedded};
    }, false).map(parts -> {
      PgConnectOptions connect = (PgConnectOptions) parts[0];
      EmbeddedDatabase embedded = (EmbeddedDatabase) parts[1];
      Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.databasePoolSize).setName("webhooks"))
        .connectingTo(connect)
        .using(vertx)
        .build();
      String where = (embedded != null ? "embedded PostgreSQL " : "PostgreSQL ")
        + connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase();
      return new Database(pool, embedded, where);
    });
  }

  /** Runs the Flyway migrations of {@code db/migration}; several nodes at once are safe (Flyway locks). */
  static void migrate(PgConnectOptions c) {
    String url = "jdbc:postgresql://" + c.getHost() + ":" + c.getPort() + "/" + c.getDatabase();
    var result = Flyway.configure()
      .dataSource(url, c.getUser(), c.getPassword())
      .locations("classpath:db/migration")
      .load()
      .migrate();
    LOG.info("Database schema at version {} ({} migration(s) applied)",
      result.targetSchemaVersion == null ? "current" : result.targetSchemaVersion, result.migrationsExecuted);
  }

  public Pool pool() {
    return pool;
  }

  public String description() {
    return description;
  }

  public boolean embedded() {
    return embedded != null;
  }

  /** Blocking: stops the embedded server if this process started it (after the pool is closed). */
  public void stopEmbedded() {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (java.io.IOException e) {
        LOG.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
      }
    }
  }
}
