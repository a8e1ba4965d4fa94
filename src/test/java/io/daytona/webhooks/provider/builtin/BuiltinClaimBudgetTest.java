package io.daytona.webhooks.provider.builtin;

import io.daytona.webhooks.db.Database;
import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A claim of due deliveries holds at most 4 MiB of payloads (their rows arrive in one buffer), one delivery
 * whatever its size; small payloads are claimed up to the limit in rows.
 */
class BuiltinClaimBudgetTest {

  private Vertx vertx;
  private BuiltinStore store;

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    Database db = await(TestDatabase.open(vertx, TestDatabase.freshDatabaseUrl()));
    store = new BuiltinStore(db.pool(), db.bookkeepingPool());
  }

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  private void messages(String org, int count, int payloadBytes) throws Exception {
    await(store.createEndpoint(org, EndpointSpec.of("http://127.0.0.1:9/" + org, "", List.of()), Secrets.newSecret()));
    List<Future<?>> made = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      made.add(store.createMessage(org, "custom.big", org + "-" + i,
        "{\"d\":\"" + "x".repeat(payloadBytes - 8) + "\"}", null));
    }
    await(Future.all(made));
  }

  @Test
  void largePayloadsAreClaimedUpToFourMebibytes() throws Exception {
    messages("org-big", 30, 300 * 1024);
    List<BuiltinStore.Due> first = await(store.claim("node-a", 64, 100, Duration.ofMinutes(1)));
    // 13 × 300 KiB fit in 4 MiB, 14 would not
    assertThat(first).hasSize(13);
    assertThat(await(store.claim("node-a", 64, 100, Duration.ofMinutes(1)))).hasSize(13);
    assertThat(await(store.claim("node-a", 64, 100, Duration.ofMinutes(1)))).hasSize(4);
  }

  @Test
  void onePayloadOverTheBudgetIsStillClaimedAlone() throws Exception {
    messages("org-huge", 2, 5 * 1024 * 1024);
    assertThat(await(store.claim("node-a", 64, 100, Duration.ofMinutes(1)))).hasSize(1);
    assertThat(await(store.claim("node-a", 64, 100, Duration.ofMinutes(1)))).hasSize(1);
  }

  @Test
  void smallPayloadsAreClaimedUpToTheRowLimit() throws Exception {
    messages("org-small", 80, 1024);
    assertThat(await(store.claim("node-a", 64, 100, Duration.ofMinutes(1)))).hasSize(64);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
