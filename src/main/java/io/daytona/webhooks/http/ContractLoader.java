package io.daytona.webhooks.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.util.List;
import java.util.Map;

/**
 * Reads {@code openapi.yaml} for the router. vertx-openapi 5.0 rejects response media types it
 * cannot validate, {@code application/problem+json} among them; the router never validates
 * responses, so the copy it gets names those bodies {@code application/json}. Authentication is
 * the HTTP verticle's own (JWT or API key, one handler for both schemes), so the copy carries no
 * {@code security} requirements for the router to enforce. The document served at
 * {@code /openapi.yaml} is the original.
 */
final class ContractLoader {

  private ContractLoader() {
  }

  static JsonObject forRouter(String yaml) {
    Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    JsonObject contract = new JsonObject(toJson((Map<?, ?>) parsed).getMap());
    contract.remove("security");
    rewriteProblemMediaTypes(contract.getJsonObject("components", new JsonObject()).getJsonObject("responses"));
    JsonObject paths = contract.getJsonObject("paths", new JsonObject());
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (item.getValue(method) instanceof JsonObject op) {
          op.remove("security");
          rewriteProblemMediaTypes(op.getJsonObject("responses"));
        }
      }
    }
    return contract;
  }

  private static void rewriteProblemMediaTypes(JsonObject responses) {
    if (responses == null) {
      return;
    }
    for (String code : responses.fieldNames()) {
      JsonObject content = responses.getJsonObject(code).getJsonObject("content");
      if (content != null && content.containsKey("application/problem+json")) {
        content.put("application/json", content.remove("application/problem+json"));
      }
    }
  }

  private static JsonObject toJson(Map<?, ?> map) {
    JsonObject out = new JsonObject();
    map.forEach((k, v) -> out.put(String.valueOf(k), convert(v)));
    return out;
  }

  private static Object convert(Object v) {
    if (v instanceof Map<?, ?> m) {
      return toJson(m);
    }
    if (v instanceof List<?> l) {
      JsonArray a = new JsonArray();
      l.forEach(x -> a.add(convert(x)));
      return a;
    }
    return v;
  }
}
