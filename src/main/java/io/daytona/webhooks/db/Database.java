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

import java.util.HashMap;
import java.util.Map;

/**
 * The service's PostgreSQL: the external one of {@code DATABASE_URL} or the embedded one of the
 * data directory, migrated with Flyway, reached through a vertx-pg-client pool (and a small one for
 * the outbox dispatcher's bookkeeping, whose commits do not wait for the disk).
 */
public final class Database {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);
  /** The pool's connections say so in {@code pg_stat_activity}. */
  public static final String APPLICATION_NAME = "webhook-service";
  /** Connections of {@link #bookkeepingPool()}. */
  public static final int BOOKKEEPING_POOL_SIZE = 4;
  /**
   * Starts a statement that PostgreSQL must plan with its arguments each time it runs: the pool
   * does not keep it prepared, so PostgreSQL never reuses a generic plan for it. For statements
   * that find rows of a table whose size swings by orders of magnitude (the outbox, a queue): a
   * generic plan made while the table was small (a fresh database, a quiet hour) scans it whole
   * once it is large, until the next analyze. In the REST benchmark, recording 20,000 events as
   * sent took 34 s of database time that way.
   */
  public static final String PLANNED_EACH_TIME = "/* planned each time */ ";

  private final Pool pool;
  private final Pool bookkeepingPool;
  private final EmbeddedDatabase embedded;
  private final String description;
  private final PgConnectOptions connectOptions;

  private Database(Pool pool, Pool bookkeepingPool, EmbeddedDatabase embedded, String description,
                   PgConnectOptions connectOptions) {
    this.connectOptions = connectOptions;
    this.pool = pool;
    this.bookkeepingPool = bookkeepingPool;
    this.embedded = embedded;
    this.description = description;
  }

  /**
   * Where the database is, migrated: blocking work (starting the embedded server, Flyway) runs on a
   * worker thread. The pool opens its first connection while Flyway migrates, so that neither the
   * first request nor the first event pays for connecting (and loading the client's classes).
   */
  public static Future<Database> open(Vertx vertx, ServiceConfig config) {
    return vertx.executeBlocking(() -> config.database == null ? EmbeddedDatabase.startOrAttach(config.dataDir) : null, false)
      .compose(embedded -> {
        PgConnectOptions connect;
        if (embedded != null) {
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
        // every statement kept prepared, whatever its length (the client's default keeps only those under 2,048
        // characters): PostgreSQL then plans the long ones of the built-in delivery queue (storing messages,
        // claiming) once, not at each run, which cost it 1.4-1.9 ms a statement in the built-in benchmark; only
        // PLANNED_EACH_TIME statements are planned each time
        connect.setCachePreparedStatements(true).setPipeliningLimit(256)
          .setPreparedStatementCacheSqlFilter(sql -> !sql.startsWith(PLANNED_EACH_TIME))
          .setProperties(new HashMap<>(Map.of("application_name", APPLICATION_NAME,
            // every statement has a deadline (DATABASE_STATEMENT_TIMEOUT_MS)
            "statement_timeout", Long.toString(config.databaseStatementTimeout.toMillis()))));
        // Flyway first: building the pool and connecting load classes on this thread for a while
        Future<?> migrated = vertx.executeBlocking(() -> {
          migrate(connect);
          return null;
        }, false);
        Pool pool = PgBuilder.pool()
          .with(new PoolOptions().setMaxSize(config.databasePoolSize).setName("webhooks"))
          .connectingTo(connect)
          .using(vertx)
          .build();
        Map<String, String> noDiskWait = new HashMap<>(connect.getProperties());
        noDiskWait.put("synchronous_commit", "off");
        Pool bookkeeping = PgBuilder.pool()
          .with(new PoolOptions().setMaxSize(BOOKKEEPING_POOL_SIZE).setName("webhooks-outbox-bookkeeping"))
          .connectingTo(new PgConnectOptions(connect).setProperties(noDiskWait))
          .using(vertx)
          .build();
        String where = (embedded != null ? "embedded PostgreSQL " : "PostgreSQL ")
          + connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase();
        Future<?> connected = pool.query("SELECT 1").execute();
        return Future.join(connected, migrated).transform(done -> {
          if (done.succeeded()) {
            return Future.succeededFuture(new Database(pool, bookkeeping, embedded, where, connect));
          }
          // Flyway's error names the cause best (it also fails when the database cannot be reached)
          Throwable cause = migrated.failed() ? migrated.cause() : connected.cause();
          return Future.join(pool.close(), bookkeeping.close()).transform(closed -> vertx.executeBlocking(() -> {
            if (embedded != null) {
              embedded.close();
            }
            return null;
          }, false)).transform(ignored -> Future.failedFuture(cause));
        });
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

  /**
   * A few connections whose commits do not wait for the disk ({@code synchronous_commit = off};
   * PostgreSQL writes them within a fraction of a second), for the outbox dispatcher's own
   * bookkeeping only: see {@code OutboxRepository}. Never for accepting an event.
   */
  public Pool bookkeepingPool() {
    return bookkeepingPool;
  }

  /** Where the pool connects (a copy): for a connection of its own, such as a {@code LISTEN}. */
  public PgConnectOptions connectOptions() {
    return new PgConnectOptions(connectOptions);
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
