package io.daytona.webhooks.provider.builtin;

import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A claim of due deliveries reads about the rows it takes, also when PostgreSQL's statistics are stale: taken
 * while most deliveries were in flight (a burst into a new table), then 20,000 delivered ones arrived before the
 * next analyze. Delivered rows stay for {@code DELIVERY_RETENTION_DAYS}; a claim that read them all (counting the
 * deliveries in flight per endpoint by a scan of the table) would cost more each day.
 */
class BuiltinClaimPlansTest {

  private static final int ENDPOINTS = 20;
  private static final int DELIVERED = 20_000;

  private static Vertx vertx;
  private static String url;

  @BeforeAll
  static void staleStatistics() throws Exception {
    vertx = Vertx.vertx();
    url = TestDatabase.freshDatabaseUrl();
    Database db = await(TestDatabase.open(vertx, url));
    BuiltinStore store = new BuiltinStore(db.pool(), db.bookkeepingPool());
    for (int e = 0; e < ENDPOINTS; e++) {
      await(store.createEndpoint("org-" + e, EndpointSpec.of("http://127.0.0.1:9/" + e, "", List.of()), Secrets.newSecret()));
    }
    try (Connection c = TestDatabase.connect(url); Statement s = c.createStatement()) {
      s.execute("INSERT INTO builtin_messages (id, organization_id, event_id, event_type, payload) "
        + "SELECT 'msg_' || i, 'org-' || (i % " + ENDPOINTS + "), 'e-' || i, 't', '{}' FROM generate_series(1, "
        + (DELIVERED + 200) + ") AS i");
      // a burst: most deliveries in flight, a few pending; analyzed so
      s.execute("INSERT INTO builtin_deliveries (message_id, endpoint_id, organization_id, status, lease_owner, lease_until) "
        + "SELECT 'msg_' || i, x.id, x.organization_id, CASE WHEN i % 4 = 0 THEN 'pending' ELSE 'sending' END, "
        + "'node-x', now() + interval '1 minute' FROM generate_series(1, 200) AS i "
        + "JOIN builtin_endpoints x ON x.organization_id = 'org-' || (i % " + ENDPOINTS + ")");
      s.execute("ANALYZE builtin_deliveries");
      // then the delivered history the statistics do not know of
      s.execute("INSERT INTO builtin_deliveries (message_id, endpoint_id, organization_id, status) "
        + "SELECT 'msg_' || i, x.id, x.organization_id, 'success' FROM generate_series(201, " + (DELIVERED + 200)
        + ") AS i JOIN builtin_endpoints x ON x.organization_id = 'org-' || (i % " + ENDPOINTS + ")");
    }
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void aClaimDoesNotReadTheDeliveredRows() throws Exception {
    try (Connection c = TestDatabase.connect(url)) {
      c.setAutoCommit(false);
      JsonObject plan;
      try (Statement s = c.createStatement()) {
        s.execute("PREPARE claim AS " + BuiltinStore.CLAIM);
        // 64 at most, 100 per endpoint (none is held back), 60 s, 4 MiB
        try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE claim(64, 'node-a', 100, 60, 4194304)")) {
          rs.next();
          plan = new JsonArray(rs.getString(1)).getJsonObject(0).getJsonObject("Plan");
        }
      } finally {
        c.rollback();
      }
      assertThat(plan.getLong("Actual Rows")).isEqualTo(50);
      assertThat(rowsRead(plan)).as("rows of builtin_deliveries read to claim 50 of 200 not delivered: %s", plan.encode())
        .isLessThan(2_000);
    }
  }

  /** Rows that the plan's scans of builtin_deliveries produced or filtered out, over all loops. */
  private static long rowsRead(JsonObject node) {
    long read = 0;
    if ("builtin_deliveries".equals(node.getString("Relation Name")) && !"ModifyTable".equals(node.getString("Node Type"))) {
      read += (node.getLong("Actual Rows", 0L) + node.getLong("Rows Removed by Filter", 0L)
        + node.getLong("Rows Removed by Index Recheck", 0L)) * node.getLong("Actual Loops", 1L);
    }
    for (Object child : node.getJsonArray("Plans", new JsonArray())) {
      read += rowsRead((JsonObject) child);
    }
    return read;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
