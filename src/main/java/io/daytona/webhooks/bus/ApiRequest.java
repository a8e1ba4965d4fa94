package io.daytona.webhooks.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The message the HTTP verticle sends for a validated REST request:
 * <pre>{ "operationId", "path": {name: value}, "query": {name: value}, "headers": {name: value},
 *   "body": any JSON or null, "rawBody": string (only for signature checks),
 *   "principal": {"subject", "admin", "organizations": [..]} or null }</pre>
 */
public record ApiRequest(JsonObject json) {

  public String operationId() {
    return json.getString("operationId");
  }

  public String pathParam(String name) {
    JsonObject p = json.getJsonObject("path");
    return p == null ? null : p.getString(name);
  }

  public String organizationId() {
    return pathParam("organizationId");
  }

  public Object query(String name) {
    JsonObject q = json.getJsonObject("query");
    return q == null ? null : q.getValue(name);
  }

  public String header(String name) {
    JsonObject h = json.getJsonObject("headers");
    return h == null ? null : h.getString(name.toLowerCase());
  }

  public JsonObject body() {
    Object b = json.getValue("body");
    return b instanceof JsonObject o ? o : null;
  }

  public String rawBody() {
    return json.getString("rawBody");
  }

  /** Where the caller reached the service ({@code scheme://host[:port]}). */
  public String baseUrl() {
    return json.getString("baseUrl");
  }

  /** The caller's subject (JWT {@code sub}, API key or portal token id), or null. */
  public String subject() {
    JsonObject p = principal();
    return p == null ? null : p.getString("subject");
  }

  public JsonObject principal() {
    return json.getJsonObject("principal");
  }

  public boolean admin() {
    JsonObject p = principal();
    return p != null && p.getBoolean("admin", false);
  }

  public JsonArray principalOrganizations() {
    JsonObject p = principal();
    return p == null ? new JsonArray() : p.getJsonArray("organizations", new JsonArray());
  }
}
