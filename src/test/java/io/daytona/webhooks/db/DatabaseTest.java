package io.daytona.webhooks.db;

import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseTest {

  @Test
  void migratesAnEmptyDatabaseAndLeavesAMigratedOneAlone() throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    ServiceConfig config = ServiceConfig.from(Map.of("DATABASE_URL", url, "JWT_SECRET", "x".repeat(40)));
    Vertx vertx = Vertx.vertx();
    try {
      Database first = await(Database.open(vertx, config));
      assertThat(tables(url)).contains("organization_initializations", "api_keys", "event_outbox", "dead_letters",
        "operational_webhooks_seen");
      int applied = appliedMigrations(url);
      assertThat(applied).isGreaterThanOrEqualTo(1);
      await(first.pool().query("INSERT INTO dead_letters (address, reason) VALUES ('x', 'kept')").execute());
      await(first.pool().close());

      Database second = await(Database.open(vertx, config));
      assertThat(appliedMigrations(url)).isEqualTo(applied);
      var rows = await(second.pool().query("SELECT reason FROM dead_letters").execute());
      assertThat(rows.iterator().next().getString("reason")).isEqualTo("kept");
      assertThat(second.embedded()).isFalse();
      await(second.pool().close());
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void thePoolHasAnOpenConnectionOnceTheDatabaseIsOpen() throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    // the tests' server does not wait for the disk; this database does, as a production one would
    try (Connection c = TestDatabase.connect(url)) {
      c.createStatement().execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = on', "
        + "current_database()); END $$");
    }
    ServiceConfig config = ServiceConfig.from(Map.of("DATABASE_URL", url, "JWT_SECRET", "x".repeat(40)));
    Vertx vertx = Vertx.vertx();
    try {
      Database db = await(Database.open(vertx, config));
      // nothing has used the pool yet: the connection was opened while Flyway migrated
      assertThat(poolConnections(url)).isGreaterThanOrEqualTo(1);
      // accepted events wait for the disk; the dispatcher's bookkeeping does not
      assertThat(show(db.pool(), "synchronous_commit")).isEqualTo("on");
      assertThat(show(db.bookkeepingPool(), "synchronous_commit")).isEqualTo("off");
      await(db.bookkeepingPool().close());
      await(db.pool().close());
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void everyStatementHasTheConfiguredDeadline() throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    ServiceConfig config = ServiceConfig.from(Map.of("DATABASE_URL", url, "JWT_SECRET", "x".repeat(40),
      "DATABASE_STATEMENT_TIMEOUT_MS", "300"));
    Vertx vertx = Vertx.vertx();
    try {
      Database db = await(Database.open(vertx, config));
      assertThat(show(db.pool(), "statement_timeout")).isEqualTo("300ms");
      assertThat(show(db.bookkeepingPool(), "statement_timeout")).isEqualTo("300ms");
      long started = System.nanoTime();
      assertThatThrownBy(() -> await(db.pool().query("SELECT pg_sleep(5)").execute()))
        .hasStackTraceContaining("statement timeout");
      assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(4_000);
      await(db.bookkeepingPool().close());
      await(db.pool().close());
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void oldDeadLettersAndRejectedRowsArePrunedAndRecentOnesKept() throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    ServiceConfig config = ServiceConfig.from(Map.of("DATABASE_URL", url, "JWT_SECRET", "x".repeat(40)));
    Vertx vertx = Vertx.vertx();
    try {
      Database db = await(Database.open(vertx, config));
      await(db.pool().query("INSERT INTO dead_letters (address, reason, received_at) VALUES "
        + "('old', 'r', now() - interval '31 days'), ('new', 'r', now() - interval '29 days')").execute());
      await(db.pool().query("INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source, status, created_at) "
        + "VALUES ('o', 't', 'old', '{}', 'api', 'FAILED', now() - interval '31 days'), "
        + "('o', 't', 'new', '{}', 'api', 'FAILED', now() - interval '29 days'), "
        + "('o', 't', 'pending', '{}', 'api', 'PENDING', now() - interval '31 days')").execute());
      var repository = new io.daytona.webhooks.delivery.OutboxRepository(db);
      assertThat(await(repository.pruneDeadLetters(30, 100))).isEqualTo(1);
      assertThat(await(repository.pruneRejected(30, 100))).isEqualTo(1);
      var left = await(db.pool().query("SELECT address FROM dead_letters").execute());
      assertThat(left.iterator().next().getString(0)).isEqualTo("new");
      var rows = new ArrayList<String>();
      await(db.pool().query("SELECT event_id FROM event_outbox ORDER BY event_id").execute()).forEach(r -> rows.add(r.getString(0)));
      assertThat(rows).containsExactly("new", "pending");
      await(db.bookkeepingPool().close());
      await(db.pool().close());
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void anUnreachableDatabaseFailsTheOpeningWithFlywaysReason() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    ServiceConfig config = ServiceConfig.from(Map.of("DATABASE_URL", "postgresql://nobody@127.0.0.1:" + closedPort + "/none",
      "JWT_SECRET", "x".repeat(40)));
    Vertx vertx = Vertx.vertx();
    try {
      Future<Database> opened = Database.open(vertx, config);
      assertThatThrownBy(() -> await(opened)).hasRootCauseInstanceOf(java.net.ConnectException.class);
      assertThat(opened.cause()).hasMessageContaining("Unable to obtain connection");
    } finally {
      await(vertx.close());
    }
  }

  private static String show(io.vertx.sqlclient.Pool pool, String setting) throws Exception {
    return await(pool.query("SHOW " + setting).execute()).iterator().next().getString(0);
  }

  private static int poolConnections(String url) throws Exception {
    try (Connection c = TestDatabase.connect(url);
         ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_stat_activity "
           + "WHERE datname = current_database() AND application_name = '" + Database.APPLICATION_NAME + "'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static List<String> tables(String url) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = TestDatabase.connect(url);
         ResultSet rs = c.createStatement().executeQuery(
           "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static int appliedMigrations(String url) throws Exception {
    try (Connection c = TestDatabase.connect(url);
         ResultSet rs = c.createStatement().executeQuery(
           "SELECT count(*) FROM flyway_schema_history WHERE success")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
