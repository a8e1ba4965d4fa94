package io.daytona.webhooks.provider;

import io.vertx.core.Future;

import java.time.Instant;
import java.util.List;

/**
 * Everything the service asks of whoever signs and delivers its webhooks: Svix ({@code provider.svix}) or
 * the built-in delivery ({@code provider.builtin}). Every method returns at once; a failure is always a
 * {@link ProviderFailure}, whose kind the caller decides on. {@code organizationId} is the organization's
 * id (the application's uid); an {@code endpointId} may be the endpoint's id or its uid, a
 * {@code messageId} the message's id or its eventId.
 *
 * <p>Implementations never block an event loop, bound their own resources (threads, connections) and put
 * one deadline on each call; they know nothing of HTTP statuses of the REST API, of the outbox or of the
 * real-time messages: callers announce endpoint changes themselves.
 */
public interface DeliveryProvider {

  /** {@code svix} or {@code builtin}, as {@code /status} names it. */
  String name();

  /**
   * Work the provider runs in the background on every node (the built-in delivery's dispatcher), deployed with
   * the service and undeployed before the database closes; null when it has none.
   */
  default io.vertx.core.Deployable background() {
    return null;
  }

  /** False when the provider cannot work at all (Svix without a token): every call fails NOT_CONFIGURED. */
  boolean configured();

  /** Configured, and answering (the last check; checking is the provider's own business). */
  Future<ProviderHealth> health();

  // ---------------------------------------------------------------- applications and event types

  /** The organization's application, created when missing (uid = organization id). */
  Future<Application> ensureApplication(String organizationId, String name);

  /** Registers (upserts) the event types not yet known to be registered. */
  Future<Void> registerEventTypes(List<EventType> types);

  // ---------------------------------------------------------------- endpoints

  /**
   * Creates an endpoint (the application is created on the way, the event types registered first).
   * DUPLICATE when {@code spec.uid()} is taken in this organization.
   */
  Future<Endpoint> createEndpoint(String organizationId, String applicationName, EndpointSpec spec);

  Future<Endpoint> getEndpoint(String organizationId, String endpointId);

  /** The organization's endpoints, oldest first; an organization with no application has none. */
  Future<Page<Endpoint>> listEndpoints(String organizationId, PageRequest page);

  /** Replaces the endpoint's url, description, event types, uid and disabled flag in place (its secret stays). */
  Future<Endpoint> updateEndpoint(String organizationId, String endpointId, EndpointSpec spec);

  Future<Endpoint> patchEndpoint(String organizationId, String endpointId, EndpointPatch patch);

  Future<Void> deleteEndpoint(String organizationId, String endpointId);

  /** The endpoint's current {@code whsec_…} signing secret. */
  Future<String> endpointSecret(String organizationId, String endpointId);

  /** A new secret ({@code key}, or generated when null); the previous one still signs alongside for 24 h. */
  Future<Void> rotateEndpointSecret(String organizationId, String endpointId, String key);

  /** Sends {@code type}'s example payload to this endpoint only; answers the message made. */
  Future<Message> sendExample(String organizationId, String endpointId, EventType type);

  /** Attempts again every message whose delivery to this endpoint failed in [since, until) (until null: now). */
  Future<Void> recover(String organizationId, String endpointId, Instant since, Instant until);

  // ---------------------------------------------------------------- messages and attempts

  /**
   * Creates a message and fans it out to the organization's endpoints (the application is created on the
   * way when missing, the event type registered first). DUPLICATE when the organization has a message
   * with this eventId already (which, for the outbox, means it was sent).
   */
  Future<Message> createMessage(String organizationId, String applicationName, NewMessage message);

  Future<Page<Message>> listMessages(String organizationId, MessageQuery query);

  Future<Message> getMessage(String organizationId, String messageId);

  /** Every attempt of one message, to every endpoint, newest first. */
  Future<Page<Attempt>> listAttemptsByMessage(String organizationId, String messageId, AttemptQuery query);

  /** The attempts of every message to one endpoint, newest first. */
  Future<Page<Attempt>> listAttemptsByEndpoint(String organizationId, String endpointId, AttemptQuery query);

  /** One more attempt of the message to the endpoint, now ({@code trigger: manual}). */
  Future<Void> resend(String organizationId, String messageId, String endpointId);

  // ---------------------------------------------------------------- portal

  /** The provider's own portal link for this organization, or null when it offers none. */
  Future<String> portalLink(String organizationId);
}
