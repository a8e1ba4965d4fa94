package io.daytona.webhooks.provider.svix;

import io.daytona.webhooks.config.ServiceConfig.SvixSettings;
import io.daytona.webhooks.provider.Attempt;
import io.daytona.webhooks.provider.AttemptQuery;
import io.daytona.webhooks.provider.Endpoint;
import io.daytona.webhooks.provider.EndpointPatch;
import io.daytona.webhooks.provider.EndpointSpec;
import io.daytona.webhooks.provider.EventType;
import io.daytona.webhooks.provider.Message;
import io.daytona.webhooks.provider.MessageQuery;
import io.daytona.webhooks.provider.NewMessage;
import io.daytona.webhooks.provider.Page;
import io.daytona.webhooks.provider.PageRequest;
import io.daytona.webhooks.provider.ProviderFailure;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The Svix provider's calls through the real SDK against the Svix stand-in (which follows Svix's OpenAPI). */
class SvixProviderTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static Vertx vertx;
  private static SvixStandIn standIn;
  private static SvixProvider provider;
  private static HttpServer receiver;
  /** What the receiver answers. */
  private static final AtomicInteger answer = new AtomicInteger(200);

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    standIn = block(new SvixStandIn(vertx).start());
    receiver = block(vertx.createHttpServer().requestHandler(r -> r.response().setStatusCode(answer.get()).end("ok"))
      .listen(0, "127.0.0.1"));
    provider = new SvixProvider(vertx, new SvixSettings(standIn.token(), URI.create(standIn.serverUrl()),
      Duration.ofSeconds(5), 4, Duration.ofMinutes(5)), List.of());
  }

  @AfterAll
  static void stop() {
    try {
      assertThat(SvixProvider.eventLoopCalls()).isZero();
    } finally {
      block(vertx.close());
    }
  }

  private static <T> T block(Future<T> f) {
    return SvixStandIn.block(f, WAIT);
  }

  private static String org() {
    return "org-" + UUID.randomUUID();
  }

  private static String hook() {
    return "http://127.0.0.1:" + receiver.actualPort() + "/hook";
  }

  private static Endpoint endpoint(String org) {
    return block(provider.createEndpoint(org, null, EndpointSpec.of(hook(), "d", List.of())));
  }

  @Test
  void patchChangesOnlyWhatIsGiven() {
    String org = org();
    Endpoint ep = block(provider.createEndpoint(org, null, EndpointSpec.of(hook(), "first", List.of("custom.a"))));
    Endpoint disabled = block(provider.patchEndpoint(org, ep.id(), EndpointPatch.disabled(true)));
    assertThat(disabled.disabled()).isTrue();
    assertThat(disabled.description()).isEqualTo("first");
    assertThat(disabled.eventTypes()).containsExactly("custom.a");
    Endpoint patched = block(provider.patchEndpoint(org, ep.id(),
      new EndpointPatch(null, "second", true, List.of("custom.b"), false)));
    assertThat(patched.description()).isEqualTo("second");
    assertThat(patched.eventTypes()).containsExactly("custom.b");
    assertThat(patched.disabled()).isFalse();
    assertThat(standIn.eventType("custom.b")).as("registered before the endpoint filters on it").isPresent();
    Endpoint everyType = block(provider.patchEndpoint(org, ep.id(), new EndpointPatch(null, null, true, null, null)));
    assertThat(everyType.eventTypes()).isEmpty();
    assertThat(everyType.url()).isEqualTo(hook());
  }

  @Test
  void secretRotationWithAndWithoutAKey() {
    String org = org();
    Endpoint ep = endpoint(org);
    String before = block(provider.endpointSecret(org, ep.id()));
    assertThat(before).startsWith("whsec_");
    block(provider.rotateEndpointSecret(org, ep.id(), null));
    String generated = block(provider.endpointSecret(org, ep.id()));
    assertThat(generated).startsWith("whsec_").isNotEqualTo(before);
    String mine = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    block(provider.rotateEndpointSecret(org, ep.id(), mine));
    assertThat(block(provider.endpointSecret(org, ep.id()))).isEqualTo(mine);
  }

  @Test
  void messagesPageNewestFirstAndFilterByEventType() {
    String org = org();
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String type = i % 2 == 0 ? "custom.even" : "custom.odd";
      Message m = block(provider.createMessage(org, null, new NewMessage(type, "evt-" + i, "{\"i\":" + i + "}", null)));
      created.add(m.id());
    }
    Page<Message> first = block(provider.listMessages(org, new MessageQuery(PageRequest.first(2), "custom.even", null, null)));
    assertThat(first.data()).extracting(Message::eventId).containsExactly("evt-4", "evt-2");
    assertThat(first.done()).isFalse();
    Page<Message> second = block(provider.listMessages(org,
      new MessageQuery(new PageRequest(2, first.iterator()), "custom.even", null, null)));
    assertThat(second.data()).extracting(Message::eventId).containsExactly("evt-0");
    assertThat(second.done()).isTrue();
    assertThat(second.data().get(0).toJson().getJsonObject("payload")).isEqualTo(new JsonObject().put("i", 0));
    Page<Message> all = block(provider.listMessages(org, new MessageQuery(PageRequest.first(50), null, null, null)));
    assertThat(all.data()).hasSize(5);
    // by id or by eventId
    assertThat(block(provider.getMessage(org, created.get(1))).eventId()).isEqualTo("evt-1");
    assertThat(block(provider.getMessage(org, "evt-3")).id()).isEqualTo(created.get(3));
    assertThat(block(provider.listMessages(org(), new MessageQuery(PageRequest.first(5), null, null, null))).data()).isEmpty();
  }

  @Test
  void attemptsByMessageAndResendMakesAManualAttempt() {
    String org = org();
    Endpoint ep = endpoint(org);
    answer.set(500);
    Message m = block(provider.createMessage(org, null, new NewMessage("custom.attempted", "evt-a", "{}", null)));
    List<Attempt> failed = awaitAttempts(org, m.id(), 1);
    assertThat(failed.get(0).status()).isEqualTo(Attempt.Status.FAILED);
    assertThat(failed.get(0).responseStatusCode()).isEqualTo(500);
    assertThat(failed.get(0).trigger()).isEqualTo(Attempt.Trigger.SCHEDULED);
    assertThat(failed.get(0).endpointId()).isEqualTo(ep.id());
    answer.set(200);
    block(provider.resend(org, m.id(), ep.id()));
    List<Attempt> both = awaitAttempts(org, "evt-a", 2);
    assertThat(both.get(0).trigger()).as("newest first").isEqualTo(Attempt.Trigger.MANUAL);
    assertThat(both.get(0).status()).isEqualTo(Attempt.Status.SUCCESS);
    assertThat(block(provider.listAttemptsByMessage(org, m.id(),
      new AttemptQuery(PageRequest.first(10), Attempt.Status.FAILED))).data()).hasSize(1);
    assertThat(block(provider.listAttemptsByEndpoint(org, ep.id(),
      new AttemptQuery(PageRequest.first(10), Attempt.Status.SUCCESS))).data()).extracting(Attempt::trigger)
      .containsExactly(Attempt.Trigger.MANUAL);
  }

  @Test
  void recoverAttemptsFailedMessagesAgain() {
    String org = org();
    Endpoint ep = endpoint(org);
    Instant since = Instant.now().minusSeconds(60);
    answer.set(503);
    Message m = block(provider.createMessage(org, null, new NewMessage("custom.recovered", "evt-r", "{}", null)));
    awaitAttempts(org, m.id(), 1);
    answer.set(200);
    block(provider.recover(org, ep.id(), since, null));
    List<Attempt> attempts = awaitAttempts(org, m.id(), 2);
    assertThat(attempts.get(0).status()).isEqualTo(Attempt.Status.SUCCESS);
    assertThat(attempts.get(0).trigger()).isEqualTo(Attempt.Trigger.MANUAL);
  }

  @Test
  void sendExampleUsesTheTypesExampleAndPortalLinkAnswersAUrl() {
    String org = org();
    Endpoint ep = endpoint(org);
    EventType type = new EventType("custom.example", "With an example", new JsonObject().put("type", "object"),
      new JsonObject().put("hello", "example"));
    Message m = block(provider.sendExample(org, ep.id(), type));
    assertThat(m.eventType()).isEqualTo("custom.example");
    assertThat(new JsonObject(m.payload())).isEqualTo(new JsonObject().put("hello", "example"));
    assertThat(standIn.eventType("custom.example").orElseThrow().schemas().getJsonObject("1").getString("type"))
      .isEqualTo("object");
    assertThat(block(provider.portalLink(org))).startsWith(standIn.serverUrl());
    ProviderFailure noApp = SvixStandIn.block(provider.portalLink(org()).<ProviderFailure>map(x -> null)
      .recover(err -> Future.succeededFuture((ProviderFailure) err)), WAIT);
    assertThat(noApp.kind()).isEqualTo(ProviderFailure.Kind.NOT_FOUND);
  }

  private static List<Attempt> awaitAttempts(String org, String messageId, int n) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      List<Attempt> data = block(provider.listAttemptsByMessage(org, messageId,
        new AttemptQuery(PageRequest.first(50), null))).data();
      if (data.size() >= n) {
        return data;
      }
      assertThat(System.nanoTime()).as("%d attempts of %s", n, messageId).isLessThan(deadline);
      block(vertx.timer(20));
    }
  }
}
