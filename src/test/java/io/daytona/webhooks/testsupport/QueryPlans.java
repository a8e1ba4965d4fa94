package io.daytona.webhooks.testsupport;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** What a statement of the service reads, from PostgreSQL's own account of running it ({@code EXPLAIN ANALYZE}). */
public final class QueryPlans {

  private QueryPlans() {
  }

  /**
   * The plan, with actual row counts, of {@code sql} prepared as the service prepares it and run once with these
   * arguments (SQL literals); its changes are rolled back.
   */
  public static JsonObject explain(Connection c, String sql, String arguments) throws Exception {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("PREPARE explained_statement AS " + sql);
      try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE explained_statement(" + arguments + ")")) {
        rs.next();
        return new JsonArray(rs.getString(1)).getJsonObject(0).getJsonObject("Plan");
      }
    } finally {
      c.rollback();
      c.setAutoCommit(autoCommit);
    }
  }

  /**
   * Rows that the plan's scans of {@code table} under {@code alias} (null: under any alias) produced or filtered
   * out, over all loops; with {@code joinFilters}, also the rows that joins fetched and then filtered out. The
   * statement's own update node writes the rows its scans read: not counted again.
   */
  public static long rowsRead(JsonObject node, String table, String alias, boolean joinFilters) {
    long read = 0;
    if (table.equals(node.getString("Relation Name")) && !"ModifyTable".equals(node.getString("Node Type"))
        && (alias == null || alias.equals(node.getString("Alias")))) {
      long perLoop = node.getLong("Actual Rows", 0L) + node.getLong("Rows Removed by Filter", 0L)
        + node.getLong("Rows Removed by Index Recheck", 0L);
      read += perLoop * node.getLong("Actual Loops", 1L);
    }
    if (joinFilters) {
      read += node.getLong("Rows Removed by Join Filter", 0L);
    }
    for (Object child : node.getJsonArray("Plans", new JsonArray())) {
      read += rowsRead((JsonObject) child, table, alias, joinFilters);
    }
    return read;
  }
}
