package io.daytona.webhooks.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Who is calling: a JWT subject, an API key or a portal token; admin or scoped to organizations. A
 * {@code portal} principal (a portal token) is scoped to one organization and refused by operations marked
 * {@code x-portal: deny} (minting portal tokens) as well as by admin operations.
 */
public record Principal(String subject, boolean admin, Set<String> organizations, boolean portal) {

  public Principal(String subject, boolean admin, Set<String> organizations) {
    this(subject, admin, organizations, false);
  }

  public boolean canAccess(String organizationId) {
    return admin || organizations.contains(organizationId);
  }

  public JsonObject toJson() {
    return new JsonObject().put("subject", subject).put("admin", admin)
      .put("organizations", new JsonArray(organizations.stream().sorted().toList())).put("portal", portal);
  }
}
