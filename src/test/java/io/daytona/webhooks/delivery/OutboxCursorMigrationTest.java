package io.daytona.webhooks.delivery;

import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.delivery.OutboxRepository.Claimed;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.daytona.webhooks.testsupport.TestDatabase.column;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An outbox written before the cursors (rows updated to SENT, leased row by row) keeps every row's meaning
 * after migration V22: sent rows stay sent, rejected ones rejected, and every row that was pending is queued and
 * claimed in its organization's order, including a row queued again after later rows of its organization were
 * sent (the retry of a rejected row used to keep its old id).
 */
class OutboxCursorMigrationTest {

  @Test
  void rowsWrittenBeforeTheCursorsKeepTheirStateAndOrder() throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    TestDatabase.migrateTo(url, "21");
    try (Connection c = TestDatabase.connect(url); Statement s = c.createStatement()) {
      String insert = "INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source, status) VALUES ";
      s.execute(insert + "('org-a', 't', 'a1', '{}', 'test', 'SENT'), ('org-a', 't', 'a2', '{}', 'test', 'SENT'), "
        + "('org-b', 't', 'b1', '{}', 'test', 'FAILED'), ('org-a', 't', 'a3', '{}', 'test', 'PENDING'), "
        + "('org-c', 't', 'c1', '{}', 'test', 'SENT'), ('org-e', 't', 'e1', '{}', 'test', 'PENDING'), "
        + "('org-e', 't', 'e2', '{}', 'test', 'SENT'), ('org-b', 't', 'b2', '{}', 'test', 'PENDING'), "
        + "('org-a', 't', 'a4', '{}', 'test', 'PENDING')");
    }
    Vertx vertx = Vertx.vertx();
    try {
      Database db = await(Database.open(vertx, ServiceConfig.from(Map.of("DATABASE_URL", url, "JWT_SECRET", "x".repeat(40)))));
      try (Connection c = TestDatabase.connect(url); Statement s = c.createStatement()) {
        assertThat(column(s, "SELECT event_id || ':' || state FROM event_outbox_states ORDER BY organization_id, id"))
          .containsExactly("a1:sent", "a2:sent", "a3:queued", "a4:queued", "b1:rejected", "b2:queued", "c1:sent",
            "e1:queued", "e2:sent");
      }
      OutboxRepository repository = new OutboxRepository(db);
      List<Claimed> claimed = await(repository.claim(10, 100, 60_000, 100, 1 << 20));
      assertThat(claimed).extracting(Claimed::eventId).containsExactly("a3", "e1", "b2", "a4");
      assertThat(await(repository.claim(10, 100, 60_000, 100, 1 << 20))).as("all leased").isEmpty();

      // the dispatcher hands them over: the cursors move past them, and organization a's next event is queued
      await(repository.advance(new String[] {"org-a", "org-b", "org-e"},
        new Long[] {lastOf(claimed, "org-a"), lastOf(claimed, "org-b"), lastOf(claimed, "org-e")},
        new Boolean[] {true, true, true}));
      assertThat(await(repository.insert(List.of(new OutboxRepository.NewEvent("org-a", "t", "a5", "{}", "test")))))
        .containsExactly(true);
      try (Connection c = TestDatabase.connect(url); Statement s = c.createStatement()) {
        assertThat(column(s, "SELECT event_id || ':' || state FROM event_outbox_states ORDER BY organization_id, id"))
          .containsExactly("a1:sent", "a2:sent", "a3:sent", "a4:sent", "a5:queued", "b1:rejected", "b2:sent",
            "c1:sent", "e1:sent", "e2:sent");
      }
      assertThat(await(repository.claim(10, 100, 60_000, 100, 1 << 20))).extracting(Claimed::eventId)
        .containsExactly("a5");
      await(db.pool().close());
      await(db.bookkeepingPool().close());
    } finally {
      await(vertx.close());
    }
  }

  private static long lastOf(List<Claimed> rows, String org) {
    return rows.stream().filter(r -> r.organizationId().equals(org)).mapToLong(Claimed::id).max().orElseThrow();
  }


  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
