package io.daytona.webhooks.delivery;

import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.testsupport.QueryPlans;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.daytona.webhooks.testsupport.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox's statements keep their cost proportional to the rows they touch when PostgreSQL's
 * statistics are stale. A queue table's statistics usually are: analyzed while the backlog was
 * empty, they say almost no row is pending, and a burst then arrives before autovacuum analyzes
 * again (up to a minute later). With those statistics the planner found it cheaper to read every
 * pending row (the partial indexes on pending rows) than to look the wanted rows up by id: a
 * claim compared each row it leased with every pending row, so it slowed down as the backlog grew.
 * Sent rows stay in the table (below their organization's cursor) until the retention ends: a claim
 * must not read them either. Each statement here runs under {@code EXPLAIN ANALYZE} (rolled back)
 * with 20,000 sent rows and 5,000 queued rows that the statistics do not know of.
 */
class OutboxPlansTest {

  private static final int ORGS = 100;
  private static final int PENDING = 5_000;

  private static String url;
  private static Vertx vertx;

  @BeforeAll
  static void backlogUnknownToTheStatistics() throws Exception {
    url = TestDatabase.freshDatabaseUrl();
    vertx = Vertx.vertx();
    ServiceConfig config = ServiceConfig.from(Map.of("DATABASE_URL", url, "JWT_SECRET", "x".repeat(40)));
    Database db = await(Database.open(vertx, config));
    await(db.pool().close());
    try (Connection c = TestDatabase.connect(url); Statement s = c.createStatement()) {
      // the history of sent events (every organization's cursor past them), analyzed while nothing was queued
      s.execute("INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source) "
        + "SELECT 'org-' || (i % " + ORGS + "), 'sandbox.created', 'old-' || i, '{}', 'test' "
        + "FROM generate_series(1, 20000) AS i");
      s.execute("UPDATE outbox_cursors c SET sent_up_to = (SELECT max(id) FROM event_outbox e "
        + "WHERE e.organization_id = c.organization_id)");
      s.execute("ANALYZE event_outbox");
      s.execute("ANALYZE outbox_cursors");
      // then a burst: a backlog the statistics do not know of yet
      s.execute("INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source) "
        + "SELECT 'org-' || (i % " + ORGS + "), 'sandbox.created', 'new-' || i, '{}', 'test' "
        + "FROM generate_series(1, " + PENDING + ") AS i");
    }
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void aClaimReadsAboutTheRowsItLeases() throws Exception {
    try (Connection c = TestDatabase.connect(url)) {
      JsonObject plan = QueryPlans.explain(c, OutboxRepository.CLAIM, "500, 500, 60000, 100, 16777216");
      long leased = plan.getLong("Actual Rows");
      assertThat(leased).isEqualTo(500);
      assertThat(rowsRead(plan, "hd")).as("rows read to find the %d heads: %s", ORGS, plan.encode())
        .isLessThanOrEqualTo(2L * ORGS);
      // in all (the heads, each organization's chain as far as its share of the claim, 5 of its 50 rows, and the
      // rows returned): about one read per row taken and a few per organization, not every queued row once per
      // organization, and none of the 20,000 sent rows
      assertThat(rowsRead(plan, null)).as("rows of event_outbox read to lease %d: %s", leased, plan.encode())
        .isLessThanOrEqualTo(3 * leased + 4L * ORGS);
    }
  }

  /**
   * The service's connections plan each execution anew: a plan cached while the outbox was small
   * would go on scanning it whole once it has grown (PostgreSQL caches a generic plan of a prepared
   * statement after five executions, until the next analyze). A claim runs ten times over a 100-row
   * outbox, then once more after 30,000 rows arrived: it must look its rows up by index, not scan
   * the table.
   */
  @Test
  void aStatementPlannedWhileTheOutboxWasSmallStillUsesTheIndexOnceItIsLarge() throws Exception {
    String smallUrl = TestDatabase.freshDatabaseUrl();
    ServiceConfig config = ServiceConfig.from(Map.of("DATABASE_URL", smallUrl, "JWT_SECRET", "x".repeat(40)));
    Database db = await(Database.open(vertx, config));
    SqlConnection conn = await(db.pool().getConnection());
    try (Connection c = TestDatabase.connect(smallUrl); Statement s = c.createStatement()) {
      s.execute("INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source) "
        + "SELECT 'org-1', 'sandbox.created', 'small-' || i, '{}', 'test' FROM generate_series(1, 100) AS i");
      s.execute("ANALYZE event_outbox");
      s.execute("CREATE TABLE statistics_marker (x int)");
      long before = rowsScanned(c, "event_outbox");
      Tuple claim = Tuple.of(500, 500, 1, 100, 16L << 20);
      for (int i = 0; i < 10; i++) {
        await(conn.preparedQuery(OutboxRepository.CLAIM).execute(claim));
      }
      s.execute("INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source) "
        + "SELECT 'org-' || (i % 100), 'sandbox.created', 'large-' || i, '{}', 'test' FROM generate_series(1, 30000) AS i");
      assertThat(await(conn.preparedQuery(OutboxRepository.CLAIM).execute(claim)).size()).isEqualTo(500);
      // a scan of a table nothing else reads, on the same connection: once the statistics show it, they show the
      // statement's too (a backend sends its statistics when a transaction ends, at most twice a second)
      await(conn.query("SELECT count(*) FROM statistics_marker").execute());
      eventually(() -> {
        try {
          await(conn.query("SELECT 1").execute());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        return scansOf(c, "statistics_marker") >= 1;
      }, Duration.ofSeconds(30));
      // the ten runs over the small table read at most 1,000 rows in all; a scan of the grown table reads 30,100
      assertThat(rowsScanned(c, "event_outbox") - before).as("rows of event_outbox read by sequential scans")
        .isLessThan(5_000);
    } finally {
      await(conn.close());
      await(db.pool().close());
    }
  }

  /** Rows of the table read by sequential scans so far (the statistics arrive within a second or so). */
  private static long rowsScanned(Connection c, String table) {
    return stat(c, table, "seq_tup_read");
  }

  private static long scansOf(Connection c, String table) {
    return stat(c, table, "seq_scan");
  }

  private static long stat(Connection c, String table, String column) {
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT " + column + " FROM pg_stat_user_tables WHERE relname = '" + table + "'")) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Rows of event_outbox read under {@code alias} (null: any), joins' filtered rows counted for "t" and for all. */
  private static long rowsRead(JsonObject plan, String alias) {
    return QueryPlans.rowsRead(plan, "event_outbox", alias, alias == null || "t".equals(alias));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
