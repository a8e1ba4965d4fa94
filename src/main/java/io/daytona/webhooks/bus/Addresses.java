package io.daytona.webhooks.bus;

import java.util.List;

/**
 * Every event-bus address of the service, in one place. The message shapes are described next
 * to each address and in ARCHITECTURE.md.
 */
public final class Addresses {

  private Addresses() {
  }

  /**
   * Prefix of the REST operations: the HTTP verticle sends each validated request to
   * {@code api.<operationId>} ({@link ApiRequest}) and answers with the reply ({@link ApiReply})
   * or the failure ({@link ApiError}). Consumers are local to each node.
   */
  public static final String API_PREFIX = "webhooks.api.";

  public static String api(String operationId) {
    return API_PREFIX + operationId;
  }

  /** The platform events that arrive on the clustered bus, each on the address of its own name. */
  public static final List<String> PLATFORM_EVENTS = List.of(
    "sandbox.created", "sandbox.state.updated", "sandbox.desired-state.updated",
    "snapshot.created", "snapshot.state.updated", "snapshot.removed",
    "volume.created", "volume.state.updated", "volume.lastUsedAt.updated",
    "audit-log.created", "audit-log.updated");

  /** {@code {id, name}}: a new organization of the platform (clustered, send or publish). */
  public static final String ORGANIZATION_CREATED = "organization.created";

  /** Real-time messages {@code {type, organizationId, data, timestamp}} for one organization (clustered publish). */
  public static final String ORG_PREFIX = "webhooks.org.";

  public static String org(String organizationId) {
    return ORG_PREFIX + organizationId;
  }

  /** Real-time messages of every organization, and progress of bulk operations, for admins. */
  public static final String ADMIN = "webhooks.admin";

  /** Local nudge to the outbox dispatcher: new rows were committed (body: JSON array of their organization ids). */
  public static final String OUTBOX_WAKE_UP = "webhooks.outbox.wake-up";
}
