package io.daytona.webhooks.svix;

import io.daytona.webhooks.provider.DeliveryProvider;
import io.daytona.webhooks.provider.NewMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.daytona.webhooks.svix.SvixTestKit.await;
import static io.daytona.webhooks.svix.SvixTestKit.newOrg;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider call made on a verticle's context answers on that context, whatever thread the SDK ran on: the
 * outbox dispatcher's state belongs to its event loop, and callbacks arriving on the context that had built the
 * Svix client once corrupted it and stopped the dispatcher.
 */
class SvixCallbackContextTest {

  private static SvixTestKit kit;

  @BeforeAll
  static void start() {
    kit = SvixTestKit.withStandIn(Map.of());
  }

  @AfterAll
  static void stop() {
    kit.close();
  }

  @Test
  void everyCallAnswersOnTheContextThatMadeIt() {
    DeliveryProvider provider = kit.service.context().provider();
    String org = newOrg();
    await(provider.ensureApplication(org, null));
    Vertx vertx = kit.service.vertx();
    List<String> wrong = new ArrayList<>();
    // several verticles, each on its own event loop, each making calls that complete on the SDK's workers
    List<Future<?>> deployed = new ArrayList<>();
    for (int v = 0; v < 3; v++) {
      int verticle = v;
      deployed.add(vertx.deployVerticle(new VerticleBase() {
        @Override
        public Future<?> start() {
          Context mine = context;
          List<Future<?>> calls = new ArrayList<>();
          for (int i = 0; i < 20; i++) {
            calls.add(provider.createMessage(org, null, new NewMessage("custom.context", "ctx-" + verticle + "-" + i,
              "{}", null)).andThen(ar -> {
                if (Vertx.currentContext() != mine) {
                  synchronized (wrong) {
                    wrong.add(Thread.currentThread().getName());
                  }
                }
              }));
          }
          return Future.join(calls);
        }
      }));
    }
    await(Future.join(deployed));
    assertThat(deployed).allSatisfy(f -> assertThat(f.succeeded()).as(String.valueOf(f.cause())).isTrue());
    assertThat(wrong).as("callbacks run off the calling verticle's context").isEmpty();
  }
}
