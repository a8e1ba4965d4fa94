package io.daytona.webhooks.testsupport.svix;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Request validation the way Svix answers it: every problem becomes one {@code ValidationError}
 * ({@code {loc, msg, type}}) and they are all answered together as an {@code HTTPValidationError}
 * ({@code {"detail": [...]}}) with status 422. Patterns and lengths are the ones of the Svix OpenAPI.
 */
final class SvixChecks {
  /** {@code ^[a-zA-Z0-9\-_.]+$}: uids, event type names, eventId, path ids. */
  static final Pattern ID = Pattern.compile("^[a-zA-Z0-9\\-_.]+$");
  /** Channel names. */
  static final Pattern CHANNEL = Pattern.compile("^[a-zA-Z0-9\\-_.:+]+$");
  /** Message tags. */
  static final Pattern TAG = Pattern.compile("^[a-zA-Z0-9\\-_./\\\\#]+$");
  /** Endpoint secrets. */
  static final Pattern SECRET = Pattern.compile("^(whsec_|whsk_|whsk1_|whpk_|whpk1_)?[a-zA-Z0-9+/=]{32,100}$");

  private final List<JsonObject> errors = new ArrayList<>();

  /** Thrown by handlers; carries the status and the Svix JSON body to answer. */
  static final class SvixHttpException extends RuntimeException {
    final int status;
    final JsonObject body;

    SvixHttpException(int status, JsonObject body) {
      super(status + " " + body.encode(), null, false, false);
      this.status = status;
      this.body = body;
    }
  }

  /** An {@code HttpErrorOut}: {@code {code, detail}}. */
  static SvixHttpException error(int status, String code, String detail) {
    return new SvixHttpException(status, new JsonObject().put("code", code).put("detail", detail));
  }

  static SvixHttpException notFound() {
    return error(404, "not_found", "Entity not found");
  }

  static SvixHttpException conflict(String detail) {
    return error(409, "conflict", detail);
  }

  /** A single-error 422. */
  static SvixHttpException invalid(List<String> loc, String msg, String type) {
    SvixChecks c = new SvixChecks();
    c.add(loc, msg, type);
    return c.exception();
  }

  static JsonObject validationError(List<String> loc, String msg, String type) {
    return new JsonObject().put("loc", new JsonArray(new ArrayList<>(loc))).put("msg", msg).put("type", type);
  }

  /** Parses a request body that must be a JSON object; anything else is Svix's 422. */
  static JsonObject parseObject(String raw) {
    if (raw == null || raw.isBlank()) {
      throw invalid(List.of("body"), "Request body is empty or missing", "value_error.jsondecode");
    }
    Object v;
    try {
      v = Json.decodeValue(raw);
    } catch (DecodeException e) {
      throw invalid(List.of("body"), "Invalid JSON: " + e.getMessage(), "value_error.jsondecode");
    }
    if (!(v instanceof JsonObject)) {
      throw invalid(List.of("body"), "Expected a JSON object", "type_error.dict");
    }
    return (JsonObject) v;
  }

  void add(List<String> loc, String msg, String type) {
    errors.add(validationError(loc, msg, type));
  }

  private static List<String> body(String field) {
    return List.of("body", field);
  }

  boolean ok() {
    return errors.isEmpty();
  }

  SvixHttpException exception() {
    return new SvixHttpException(422, new JsonObject().put("detail", new JsonArray(new ArrayList<>(errors))));
  }

  void done() {
    if (!errors.isEmpty()) {
      throw exception();
    }
  }

  /** A string field; {@code min}/{@code max} length and {@code pattern} are optional (null). */
  String str(JsonObject b, String field, boolean required, Integer min, Integer max, Pattern pattern) {
    Object v = b.getValue(field);
    if (v == null) {
      if (required) {
        add(body(field), "field required", "value_error.missing");
      }
      return null;
    }
    if (!(v instanceof String)) {
      add(body(field), "str type expected", "type_error.str");
      return null;
    }
    String s = (String) v;
    checkString(body(field), s, min, max, pattern);
    return s;
  }

  void checkString(List<String> loc, String s, Integer min, Integer max, Pattern pattern) {
    if (min != null && s.length() < min) {
      add(loc, "ensure this value has at least " + min + " characters", "value_error.any_str.min_length");
    } else if (max != null && s.length() > max) {
      add(loc, "ensure this value has at most " + max + " characters", "value_error.any_str.max_length");
    } else if (pattern != null && !pattern.matcher(s).matches()) {
      add(loc, "string does not match regex \"" + pattern.pattern() + "\"", "value_error.str.regex");
    }
  }

  Boolean bool(JsonObject b, String field) {
    Object v = b.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Boolean)) {
      add(body(field), "value could not be parsed to a boolean", "type_error.bool");
      return null;
    }
    return (Boolean) v;
  }

  /** An integer field (nullable) with an optional minimum and maximum. */
  Long integer(JsonObject b, String field, Long min, Long max) {
    Object v = b.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number) || v instanceof Double || v instanceof Float) {
      add(body(field), "value is not a valid integer", "type_error.integer");
      return null;
    }
    long l = ((Number) v).longValue();
    if (min != null && l < min) {
      add(body(field), "ensure this value is greater than or equal to " + min, "value_error.number.not_ge");
    } else if (max != null && l > max) {
      add(body(field), "ensure this value is less than or equal to " + max, "value_error.number.not_le");
    }
    return l;
  }

  /** An object of string values (metadata, headers). */
  Map<String, String> stringMap(JsonObject b, String field) {
    Object v = b.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject)) {
      add(body(field), "value is not a valid dict", "type_error.dict");
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : (JsonObject) v) {
      if (!(e.getValue() instanceof String)) {
        add(List.of("body", field, e.getKey()), "str type expected", "type_error.str");
      } else {
        out.put(e.getKey(), (String) e.getValue());
      }
    }
    return out;
  }

  JsonObject object(JsonObject b, String field, boolean required) {
    Object v = b.getValue(field);
    if (v == null) {
      if (required) {
        add(body(field), "field required", "value_error.missing");
      }
      return null;
    }
    if (!(v instanceof JsonObject)) {
      add(body(field), "value is not a valid dict", "type_error.dict");
      return null;
    }
    return (JsonObject) v;
  }

  /** An array of unique strings, each checked against {@code pattern} and {@code maxLen}. */
  List<String> stringSet(JsonObject b, String field, Integer minItems, Integer maxItems, Pattern pattern,
                         Integer maxLen) {
    Object v = b.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonArray)) {
      add(body(field), "value is not a valid list", "type_error.list");
      return null;
    }
    JsonArray a = (JsonArray) v;
    if (minItems != null && a.size() < minItems) {
      add(body(field), "ensure this value has at least " + minItems + " items", "value_error.list.min_items");
    }
    if (maxItems != null && a.size() > maxItems) {
      add(body(field), "ensure this value has at most " + maxItems + " items", "value_error.list.max_items");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      Object item = a.getValue(i);
      List<String> loc = List.of("body", field, Integer.toString(i));
      if (!(item instanceof String)) {
        add(loc, "str type expected", "type_error.str");
        continue;
      }
      checkString(loc, (String) item, null, maxLen, pattern);
      out.add((String) item);
    }
    if (new HashSet<>(out).size() != out.size()) {
      add(body(field), "the list has duplicated items", "value_error.list.unique_items");
    }
    return out;
  }

  /** An absolute http(s) URL, as Svix wants for endpoints. */
  String url(JsonObject b, String field, boolean required) {
    String s = str(b, field, required, 1, 65536, null);
    if (s == null) {
      return null;
    }
    try {
      URI u = new URI(s);
      if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
        || u.getHost() == null) {
        add(body(field), "invalid or missing URL scheme", "value_error.url.scheme");
      }
    } catch (Exception e) {
      add(body(field), "invalid or missing URL scheme", "value_error.url");
    }
    return s;
  }
}
