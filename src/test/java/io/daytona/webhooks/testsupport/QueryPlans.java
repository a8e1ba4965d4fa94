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
    return explain(c, sql, arguments, false);
  }

  /**
   * As {@link #explain(Connection, String, String)}; with {@code generic}, the plan PostgreSQL makes without the
   * arguments' values, as it does for a statement the pool keeps prepared once it has run a few times (a generic
   * plan: made with the statistics of that moment, then reused until the table's statistics change).
   */
  public static JsonObject explain(Connection c, String sql, String arguments, boolean generic) throws Exception {
    boolean autoCommit = c.getAutoCommit();
    boolean prepared = false;
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL plan_cache_mode = " + (generic ? "force_generic_plan" : "force_custom_plan"));
      s.execute("PREPARE explained_statement AS " + sql);
      prepared = true;
      try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE explained_statement(" + arguments + ")")) {
        rs.next();
        JsonObject plan = new JsonArray(rs.getString(1)).getJsonObject(0).getJsonObject("Plan");
        try (ResultSet kind = s.executeQuery("SELECT generic_plans FROM pg_prepared_statements "
          + "WHERE name = 'explained_statement'")) {
          if (!kind.next() || (kind.getLong(1) == 1) != generic) {
            throw new IllegalStateException("PostgreSQL did not use the " + (generic ? "generic" : "custom") + " plan");
          }
        }
        return plan;
      }
    } finally {
      c.rollback();
      c.setAutoCommit(autoCommit);
      if (prepared) {
        try (Statement s = c.createStatement()) {
          // a prepared statement outlives its transaction; only this one goes (the driver keeps its own prepared)
          s.execute("DEALLOCATE explained_statement");
        }
      }
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
