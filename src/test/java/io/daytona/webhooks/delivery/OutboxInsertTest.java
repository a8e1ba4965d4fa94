package io.daytona.webhooks.delivery;

import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.delivery.OutboxRepository.NewEvent;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A batch of accepted events goes into the outbox in one statement: the ids follow the batch's
 * order (the dispatcher sends an organization's events in id order), an eventId its organization
 * already had (in the table, or earlier in the same batch) is answered as a duplicate and not
 * stored again, and every organization of the batch is recorded as seen.
 */
class OutboxInsertTest {

  private static String url;
  private static Vertx vertx;
  private static Database db;
  private static OutboxRepository repository;

  @BeforeAll
  static void open() throws Exception {
    url = TestDatabase.freshDatabaseUrl();
    vertx = Vertx.vertx();
    db = await(TestDatabase.open(vertx, url));
    repository = new OutboxRepository(db);
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void aBatchKeepsItsOrderAndAnswersDuplicatesPerOrganization() throws Exception {
    assertThat(await(repository.insert(List.of(event("org-b", "e-0"))))).containsExactly(true);

    List<Boolean> inserted = await(repository.insert(List.of(
      event("org-a", "e-1"),
      event("org-b", "e-0"),   // org-b had it already (previous batch)
      event("org-a", "e-2"),
      event("org-a", "e-1"),   // earlier in this batch
      event("org-c", "e-1"),   // the same eventId in another organization is another event
      event("org-a", "e-3"))));

    assertThat(inserted).containsExactly(true, false, true, false, true, true);
    try (Connection c = TestDatabase.connect(url); Statement s = c.createStatement()) {
      assertThat(column(s, "SELECT organization_id || '/' || event_id FROM event_outbox "
        + "WHERE organization_id IN ('org-a', 'org-b', 'org-c') ORDER BY id"))
        .containsExactly("org-b/e-0", "org-a/e-1", "org-a/e-2", "org-c/e-1", "org-a/e-3");
      assertThat(column(s, "SELECT organization_id FROM organization_initializations "
        + "WHERE organization_id IN ('org-a', 'org-b', 'org-c') ORDER BY 1"))
        .containsExactly("org-a", "org-b", "org-c");
    }
  }

  @Test
  void aLargeBatchIsStoredWhole() throws Exception {
    List<NewEvent> batch = new ArrayList<>();
    for (int i = 0; i < OutboxWriter.MAX_BATCH; i++) {
      batch.add(event("org-large-" + (i % 7), "large-" + i));
    }
    assertThat(await(repository.insert(batch))).hasSize(batch.size()).containsOnly(true);
    try (Connection c = TestDatabase.connect(url); Statement s = c.createStatement()) {
      assertThat(column(s, "SELECT event_id FROM event_outbox WHERE event_id LIKE 'large-%' ORDER BY id"))
        .containsExactlyElementsOf(batch.stream().map(NewEvent::eventId).toList());
    }
  }

  private static NewEvent event(String org, String eventId) {
    return new NewEvent(org, "sandbox.created", eventId, "{\"id\":\"" + eventId + "\"}", "test");
  }

  private static List<String> column(Statement s, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
