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

import static io.daytona.webhooks.testsupport.TestDatabase.column;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        + "WHERE organization_id IN ('org-a', 'org-b', 'org-c') ORDER BY organization_id, id"))
        .containsExactly("org-a/e-1", "org-a/e-2", "org-a/e-3", "org-b/e-0", "org-c/e-1");
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
      assertThat(column(s, "SELECT event_id FROM event_outbox WHERE event_id LIKE 'large-%' ORDER BY organization_id, id"))
        .containsExactlyElementsOf(batch.stream()
          .sorted(java.util.Comparator.comparing(NewEvent::organizationId)).map(NewEvent::eventId).toList());
    }
  }

  /**
   * A cursor passes ids, so an organization's rows must become visible in id order: a row that took a smaller id
   * but committed after a larger one would be behind the cursor before anyone saw it, and count as sent. An insert
   * of an organization waits for the organization's insert in flight (another organization's does not), and takes
   * its id only then; this is the database's doing, whoever inserts (here plain SQL on two connections).
   */
  @Test
  void anOrganizationsRowsAreNumberedInTheOrderTheirTransactionsCommit() throws Exception {
    String insert = "INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source) "
      + "VALUES ('%s', 'sandbox.created', '%s', '{}', 'test') RETURNING id";
    try (Connection first = TestDatabase.connect(url); Connection second = TestDatabase.connect(url);
         Statement s1 = first.createStatement(); Statement s2 = second.createStatement()) {
      first.setAutoCommit(false);
      second.setAutoCommit(false);
      long firstId = id(s1, String.format(insert, "org-order", "first"));
      s2.execute("SET LOCAL lock_timeout = '300ms'");
      assertThatThrownBy(() -> id(s2, String.format(insert, "org-order", "second")))
        .as("an insert of the same organization while the first is not committed")
        .hasMessageContaining("lock timeout");
      second.rollback();
      s2.execute("SET LOCAL lock_timeout = '300ms'");
      long otherOrg = id(s2, String.format(insert, "org-other", "meanwhile"));
      second.commit();
      first.commit();
      long secondId = id(s2, String.format(insert, "org-order", "second"));
      second.commit();
      assertThat(otherOrg).isGreaterThan(firstId);
      assertThat(secondId).isGreaterThan(otherOrg);
    }
  }

  /**
   * An organization whose rows are all sent loses its cursor after a minute unclaimed (its rows then all count as
   * sent), but never while an insert of it is in flight: that insert saw the cursor and opened none, so removing it
   * would make the new row count as sent unseen. Once the insert has committed, its row is queued; after the next
   * removal a new insert opens a cursor just below its own row.
   */
  @Test
  void anIdleCursorIsNotRemovedUnderAnInsertInFlight() throws Exception {
    assertThat(await(repository.insert(List.of(event("org-idle", "old"))))).containsExactly(true);
    try (Connection c = TestDatabase.connect(url); Connection inserting = TestDatabase.connect(url);
         Statement s = c.createStatement(); Statement ins = inserting.createStatement()) {
      // everything sent, unclaimed for two minutes
      s.execute("UPDATE outbox_cursors SET sent_up_to = (SELECT max(id) FROM event_outbox WHERE organization_id = "
        + "'org-idle'), lease_until = now() - interval '2 minutes' WHERE organization_id = 'org-idle'");
      inserting.setAutoCommit(false);
      id(ins, "INSERT INTO event_outbox (organization_id, event_type, event_id, payload, source) "
        + "VALUES ('org-idle', 'sandbox.created', 'in-flight', '{}', 'test') RETURNING id");
      await(repository.closeIdleCursors());
      inserting.commit();
      assertThat(column(s, "SELECT event_id || ':' || state FROM event_outbox_states WHERE organization_id = 'org-idle' "
        + "ORDER BY id")).containsExactly("old:sent", "in-flight:queued");

      s.execute("UPDATE outbox_cursors SET sent_up_to = (SELECT max(id) FROM event_outbox WHERE organization_id = "
        + "'org-idle'), lease_until = now() - interval '2 minutes' WHERE organization_id = 'org-idle'");
      await(repository.closeIdleCursors());
      assertThat(column(s, "SELECT organization_id FROM outbox_cursors WHERE organization_id = 'org-idle'")).isEmpty();
      assertThat(await(repository.insert(List.of(event("org-idle", "next"))))).containsExactly(true);
      assertThat(column(s, "SELECT event_id || ':' || state FROM event_outbox_states WHERE organization_id = 'org-idle' "
        + "ORDER BY id")).containsExactly("old:sent", "in-flight:sent", "next:queued");
    }
  }

  private static long id(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static NewEvent event(String org, String eventId) {
    return new NewEvent(org, "sandbox.created", eventId, "{\"id\":\"" + eventId + "\"}", "test");
  }


  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
