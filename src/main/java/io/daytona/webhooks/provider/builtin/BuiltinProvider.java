package io.daytona.webhooks.provider.builtin;

import io.daytona.webhooks.config.ServiceConfig;
import io.daytona.webhooks.provider.Application;
import io.daytona.webhooks.provider.Attempt;
import io.daytona.webhooks.provider.AttemptQuery;
import io.daytona.webhooks.provider.DeliveryListener;
import io.daytona.webhooks.provider.DeliveryProvider;
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
import io.daytona.webhooks.provider.ProviderHealth;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The built-in delivery provider ({@code DELIVERY_PROVIDER=builtin}): endpoints, messages and attempts in this
 * service's own PostgreSQL tables ({@link BuiltinStore}), delivered by {@link DeliveryVerticle} on every node.
 * The organization's application is implicit: its id is the organization id.
 */
public final class BuiltinProvider implements DeliveryProvider {

  /** How long a rotated-out secret still signs alongside the new one. */
  static final Duration ROTATION_OVERLAP = Duration.ofHours(24);

  private final BuiltinStore store;
  private final NetworkPolicy policy;
  private final DeliveryVerticle delivery;

  /**
   * @param pool  the main pool (REST reads and writes)
   * @param queue the pool for the delivery queue's own statements, whose commits need not wait for the disk
   */
  public BuiltinProvider(Pool pool, Pool queue, ServiceConfig.BuiltinDelivery settings, Duration pollInterval,
                         io.micrometer.core.instrument.MeterRegistry meters, DeliveryListener listener) {
    this.store = new BuiltinStore(pool, queue);
    this.policy = new NetworkPolicy(settings.allowedNetworks());
    this.delivery = new DeliveryVerticle(store, listener, settings, policy, pollInterval, meters);
    store.handOffTo(delivery);
  }

  @Override
  public String name() {
    return "builtin";
  }

  @Override
  public boolean configured() {
    return true;
  }

  @Override
  public Future<ProviderHealth> health() {
    return Future.succeededFuture(new ProviderHealth(true, true));
  }

  @Override
  public Deployable background() {
    return delivery;
  }

  @Override
  public Future<Application> ensureApplication(String organizationId, String name) {
    return Future.succeededFuture(new Application(organizationId, organizationId, name));
  }

  @Override
  public Future<Void> registerEventTypes(List<EventType> types) {
    // any type may be delivered; the catalog lives with the service's own event types
    return Future.succeededFuture();
  }

  // ---------------------------------------------------------------- endpoints

  @Override
  public Future<Endpoint> createEndpoint(String organizationId, String applicationName, EndpointSpec spec) {
    return checked(() -> {
      checkUrl(spec.url());
      return store.createEndpoint(organizationId, spec, Secrets.secretOrNew(spec.secret(), "/secret"));
    });
  }

  @Override
  public Future<Endpoint> getEndpoint(String organizationId, String endpointId) {
    return store.getEndpoint(organizationId, endpointId);
  }

  @Override
  public Future<Page<Endpoint>> listEndpoints(String organizationId, PageRequest page) {
    return store.listEndpoints(organizationId, page);
  }

  @Override
  public Future<Endpoint> updateEndpoint(String organizationId, String endpointId, EndpointSpec spec) {
    return checked(() -> {
      checkUrl(spec.url());
      return store.updateEndpoint(organizationId, endpointId, spec);
    });
  }

  @Override
  public Future<Endpoint> patchEndpoint(String organizationId, String endpointId, EndpointPatch patch) {
    return checked(() -> {
      if (patch.url() != null) {
        checkUrl(patch.url());
      }
      return store.patchEndpoint(organizationId, endpointId, patch);
    });
  }

  @Override
  public Future<Void> deleteEndpoint(String organizationId, String endpointId) {
    return store.deleteEndpoint(organizationId, endpointId);
  }

  @Override
  public Future<String> endpointSecret(String organizationId, String endpointId) {
    return store.secret(organizationId, endpointId);
  }

  @Override
  public Future<Void> rotateEndpointSecret(String organizationId, String endpointId, String key) {
    return checked(() -> store.rotate(organizationId, endpointId, Secrets.secretOrNew(key, "/key"), ROTATION_OVERLAP));
  }

  @Override
  public Future<Message> sendExample(String organizationId, String endpointId, EventType type) {
    JsonObject example = type.example() == null ? new JsonObject() : type.example();
    return store.getEndpoint(organizationId, endpointId)
      .compose(e -> store.createMessage(organizationId, type.name(), Secrets.id("test_"), example.encode(), e.id()))
      .andThen(made -> delivery.wakeUp());
  }

  @Override
  public Future<Void> recover(String organizationId, String endpointId, Instant since, Instant until) {
    return store.recover(organizationId, endpointId, since, until).<Void>mapEmpty().andThen(done -> delivery.wakeUp());
  }

  // ---------------------------------------------------------------- messages and attempts

  @Override
  public Future<Message> createMessage(String organizationId, String applicationName, NewMessage message) {
    // its deliveries are attempted at once by this node when it has room, else claimed when they are due
    return store.createMessage(organizationId, message.eventType(), message.eventId(), message.payload(), null);
  }

  @Override
  public Future<Page<Message>> listMessages(String organizationId, MessageQuery query) {
    return store.listMessages(organizationId, query);
  }

  @Override
  public Future<Message> getMessage(String organizationId, String messageId) {
    return store.getMessage(organizationId, messageId);
  }

  @Override
  public Future<Page<Attempt>> listAttemptsByMessage(String organizationId, String messageId, AttemptQuery query) {
    return store.attemptsByMessage(organizationId, messageId, query);
  }

  @Override
  public Future<Page<Attempt>> listAttemptsByEndpoint(String organizationId, String endpointId, AttemptQuery query) {
    return store.attemptsByEndpoint(organizationId, endpointId, query);
  }

  @Override
  public Future<Void> resend(String organizationId, String messageId, String endpointId) {
    return store.resend(organizationId, messageId, endpointId).andThen(done -> delivery.wakeUp());
  }

  @Override
  public Future<String> portalLink(String organizationId) {
    return Future.succeededFuture(null);
  }

  // ---------------------------------------------------------------- input

  /** An http(s) URL with a host, not naming a refused address literally: else INPUT_REJECTED at {@code /url}. */
  private void checkUrl(String url) {
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException | NullPointerException e) {
      throw ProviderFailure.inputRejected("/url", "not a valid URL" + (e instanceof URISyntaxException s
        ? ": " + s.getReason() : ""));
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw ProviderFailure.inputRejected("/url", "the URL must be http or https");
    }
    if (u.getHost() == null || u.getHost().isEmpty()) {
      throw ProviderFailure.inputRejected("/url", "the URL names no host");
    }
    if (Boolean.FALSE.equals(policy.allowsLiteral(u.getHost()))) {
      throw ProviderFailure.inputRejected("/url", NetworkPolicy.REFUSED + ": " + u.getHost()
        + " is a loopback, private, link-local or otherwise internal address (DELIVERY_ALLOWED_NETWORKS lets "
        + "chosen networks through)");
    }
  }

  private static <T> Future<T> checked(Supplier<Future<T>> call) {
    try {
      return call.get();
    } catch (ProviderFailure f) {
      return Future.failedFuture(f);
    }
  }
}
