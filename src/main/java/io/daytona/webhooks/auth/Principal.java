package io.daytona.webhooks.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/** Who is calling: a JWT subject or an API key, admin or scoped to organizations. */
public record Principal(String subject, boolean admin, Set<String> organizations) {

  public boolean canAccess(String organizationId) {
    return admin || organizations.contains(organizationId);
  }

  public JsonObject toJson() {
    return new JsonObject().put("subject", subject).put("admin", admin)
      .put("organizations", new JsonArray(organizations.stream().sorted().toList()));
  }
}
