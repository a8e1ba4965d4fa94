package io.daytona.webhooks.realtime;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.auth.ApiKeys;
import io.daytona.webhooks.bus.Addresses;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.TestTokens;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.daytona.webhooks.testsupport.Eventually.eventually;
import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * SockJS registers are bounded per organization ({@code REALTIME_MAX_SESSIONS_PER_ORG}) and cost at most one
 * database look-up per credential per minute, accepted or refused.
 */
class RealtimeLimitsTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int MAX = 2;

  private Vertx vertx;
  private WebhookService service;
  private final List<BridgeClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    service = block(TestService.start(Map.of("REALTIME_MAX_SESSIONS_PER_ORG", String.valueOf(MAX))), WAIT);
  }

  @AfterEach
  void stop() {
    clients.forEach(BridgeClient::close);
    if (service != null) {
      block(service.stop(), WAIT);
    }
    block(vertx.close(), WAIT);
  }

  private BridgeClient client() {
    BridgeClient c = block(BridgeClient.connect(vertx, service.port()), WAIT);
    clients.add(c);
    return c;
  }

  private static boolean rejected(BridgeClient c) {
    return c.errors().stream().anyMatch(e -> "rejected".equals(e.getString("body")));
  }

  /** Publishes probes on {@code address} until {@code c} received one (registered) or was rejected. */
  private boolean registered(BridgeClient c, String address) {
    String probe = "probe-" + UUID.randomUUID();
    long timer = service.vertx().setPeriodic(50, id -> service.vertx().eventBus()
      .publish(address, new JsonObject().put("type", "probe").put("probe", probe)));
    try {
      eventually(() -> rejected(c) || c.received().stream()
        .anyMatch(f -> probe.equals(f.getJsonObject("body").getString("probe"))), WAIT);
    } finally {
      service.vertx().cancelTimer(timer);
    }
    return !rejected(c);
  }

  private double lookups(String kind) {
    Counter counter = service.context().meters().find("webhooks.auth.lookups").tag("kind", kind).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void anOrganizationHasAtMostItsShareOfSocketsAndAClosedOneFreesItsPlace() {
    String org = "org-many";
    String address = Addresses.org(org);
    String token = TestTokens.user(vertx, "u1", org);
    BridgeClient first = client();
    BridgeClient second = client();
    block(first.register(address, token), WAIT);
    block(second.register(address, token), WAIT);
    assertThat(registered(first, address)).isTrue();
    assertThat(registered(second, address)).isTrue();

    BridgeClient third = client();
    block(third.register(address, token), WAIT);
    assertThat(registered(third, address)).as("a third socket for the organization").isFalse();

    // another organization is not affected
    BridgeClient other = client();
    block(other.register(Addresses.org("org-other"), TestTokens.user(vertx, "u2", "org-other")), WAIT);
    assertThat(registered(other, Addresses.org("org-other"))).isTrue();

    // a socket that closes frees its place
    block(first.close(), WAIT);
    eventually(() -> {
      BridgeClient attempt = client();
      block(attempt.register(address, token), WAIT);
      return registered(attempt, address);
    }, WAIT);
    assertThat(service.context().meters().find("webhooks.realtime.refused").counter().count()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void registersWithOneKeyCostOneDatabaseLookUpAMinuteAcceptedOrRefused() {
    String org = "org-cached";
    String key = ApiKeys.newKey();
    block(service.context().apiKeys().store(key, org, "test key"), WAIT);
    String unknown = ApiKeys.newKey();
    double before = lookups("api-key");

    BridgeClient c = client();
    for (int i = 0; i < 10; i++) {
      block(c.register(Addresses.org(org), key), WAIT);
    }
    assertThat(registered(c, Addresses.org(org))).isTrue();
    BridgeClient bad = client();
    for (int i = 0; i < 20; i++) {
      block(bad.register(Addresses.org(org), unknown), WAIT);
    }
    eventually(() -> bad.errors().stream().filter(e -> "rejected".equals(e.getString("body"))).count() == 20, WAIT);
    assertThat(lookups("api-key") - before).as("one look-up for the key, one for the unknown key").isEqualTo(2);
  }
}
