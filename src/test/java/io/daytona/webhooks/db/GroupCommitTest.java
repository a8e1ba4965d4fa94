package io.daytona.webhooks.db;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Group commit: what arrives while a batch is written goes in the next, within its count and weight limits. */
class GroupCommitTest {

  private final List<List<Integer>> batches = new ArrayList<>();
  private final List<Promise<List<String>>> writes = new ArrayList<>();

  private GroupCommit<Integer, String> commit(int maxBatch, long maxWeight) {
    return new GroupCommit<>(maxBatch, maxWeight, i -> i, items -> {
      batches.add(items);
      Promise<List<String>> p = Promise.promise();
      writes.add(p);
      return p.future();
    });
  }

  private void completeWrite(int index) {
    writes.get(index).complete(batches.get(index).stream().map(i -> "ok-" + i).toList());
  }

  @Test
  void itemsArrivingDuringAWriteGoTogetherInTheNextWithinTheLimits() {
    GroupCommit<Integer, String> commit = commit(3, 10);
    List<Future<String>> answers = new ArrayList<>();
    answers.add(commit.submit(1));
    // written alone at once; the rest wait for it
    for (int i : new int[] {2, 3, 4, 5, 9, 20}) {
      answers.add(commit.submit(i));
    }
    assertThat(batches).containsExactly(List.of(1));
    completeWrite(0);
    // at most 3 items and a weight of 10: 2+3+4
    assertThat(batches.get(1)).containsExactly(2, 3, 4);
    completeWrite(1);
    // 5 fits, 5+9 would not
    assertThat(batches.get(2)).containsExactly(5);
    completeWrite(2);
    assertThat(batches.get(3)).containsExactly(9);
    completeWrite(3);
    // heavier than the limit alone: written alone
    assertThat(batches.get(4)).containsExactly(20);
    completeWrite(4);
    assertThat(answers).extracting(Future::result)
      .containsExactly("ok-1", "ok-2", "ok-3", "ok-4", "ok-5", "ok-9", "ok-20");
  }

  @Test
  void aFailedWriteFailsItsItemsOnlyAndTheNextBatchGoesOn() {
    GroupCommit<Integer, String> commit = commit(10, 100);
    Future<String> first = commit.submit(1);
    Future<String> second = commit.submit(2);
    writes.get(0).fail(new IllegalStateException("database down"));
    assertThat(first.failed()).isTrue();
    assertThat(first.cause()).hasMessage("database down");
    assertThat(batches.get(1)).containsExactly(2);
    completeWrite(1);
    assertThat(second.result()).isEqualTo("ok-2");
  }
}
