package io.daytona.webhooks.delivery;

import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.delivery.OutboxRepository.Claimed;
import io.daytona.webhooks.delivery.OutboxRepository.NewEvent;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A claim holds at most {@code OUTBOX_MEMORY_BUDGET_BYTES} of payloads: the rows taken in turns between
 * organizations stop where the next payload would pass the budget, each organization keeps a prefix of its
 * chain (its order), and the first row is taken whatever its size so that no payload is stuck.
 */
class OutboxClaimBudgetTest {

  private static final int KIB = 1024;

  private Vertx vertx;
  private OutboxRepository repository;

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    Database db = await(TestDatabase.open(vertx, TestDatabase.freshDatabaseUrl()));
    repository = new OutboxRepository(db);
  }

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  private void insert(String org, int count, int payloadBytes) throws Exception {
    List<NewEvent> batch = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      String eventId = org + "-" + i;
      String payload = "{\"id\":\"" + eventId + "\",\"d\":\"" + "x".repeat(payloadBytes - 20 - eventId.length()) + "\"}";
      batch.add(new NewEvent(org, "custom.big", eventId, payload, "test"));
    }
    await(repository.insert(batch));
  }

  private List<String> claim(long budget) throws Exception {
    return await(repository.claim(100, 100, 60_000, 100, budget)).stream().map(Claimed::eventId).toList();
  }

  @Test
  void aClaimStopsAtTheBudgetAndKeepsEachOrganizationsOrder() throws Exception {
    insert("org-x", 3, 100 * KIB);
    insert("org-y", 3, 100 * KIB);

    // in turns x1, y1, x2, y2…: 300 KiB fit in 350, a fourth payload would not
    assertThat(claim(350 * KIB)).containsExactlyInAnyOrder("org-x-1", "org-y-1", "org-x-2");

    // a budget smaller than any payload still takes one row, so that a large event is never stuck
    insert("org-z", 2, 100 * KIB);
    assertThat(claim(1)).containsExactly("org-z-1");
  }

  @Test
  void aBudgetLargerThanTheBacklogTakesEveryDueRow() throws Exception {
    insert("org-x", 3, 100 * KIB);
    insert("org-y", 3, 100 * KIB);
    assertThat(claim(16L * 1024 * KIB)).hasSize(6);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
