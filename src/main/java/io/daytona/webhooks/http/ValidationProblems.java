package io.daytona.webhooks.http;

import io.daytona.webhooks.bus.ApiError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the OpenAPI validator's output into a 400 problem with one {@code errors[]} entry per bad
 * field, each named by its JSON pointer: {@code /url} in the body, {@code /query/limit} or
 * {@code /path/organizationId} for parameters. A missing required property is named by its own
 * pointer ({@code /url}), not by its parent's.
 */
final class ValidationProblems {

  private static final Pattern REQUIRED = Pattern.compile("required property \"([^\"]+)\"");
  private static final Pattern PARAMETER = Pattern.compile("(path|query|header|cookie) parameter (\\S+?)[ .:]");

  private ValidationProblems() {
  }

  static ApiError from(ValidatorException e) {
    String location = locationOf(e.getMessage());
    JsonArray errors = new JsonArray();
    if (e instanceof SchemaValidationException sve && sve.getOutputUnit() != null) {
      List<OutputUnit> units = leaves(sve.getOutputUnit());
      Map<String, String> byPointer = new LinkedHashMap<>();
      for (OutputUnit unit : units) {
        if (!mostSpecific(unit, units)) {
          continue;
        }
        byPointer.putIfAbsent(location + pointerOf(unit), message(unit));
      }
      byPointer.forEach((p, m) -> errors.add(new JsonObject().put("pointer", p).put("message", m)));
    }
    if (errors.isEmpty()) {
      errors.add(new JsonObject().put("pointer", location).put("message", reason(e.getMessage())));
    }
    JsonObject first = errors.getJsonObject(0);
    String detail = errors.size() == 1
      ? "Invalid request: " + (first.getString("pointer").isEmpty() ? "body" : first.getString("pointer"))
        + ": " + first.getString("message")
      : "Invalid request: " + errors.size() + " fields are invalid.";
    return new ApiError(400, detail, null, errors);
  }

  /**
   * The validator reports a failing property at several levels ("Property "url" does not match
   * schema", then the pattern that failed) and also flags it under additionalProperties; keep only
   * the most specific error for each place.
   */
  private static boolean mostSpecific(OutputUnit unit, List<OutputUnit> all) {
    String instance = instance(unit);
    String keyword = keyword(unit);
    boolean additional = keyword.endsWith("/additionalProperties") || keyword.endsWith("/unevaluatedProperties");
    for (OutputUnit other : all) {
      if (other == unit) {
        continue;
      }
      String oi = instance(other);
      String ok = keyword(other);
      boolean otherAdditional = ok.endsWith("/additionalProperties") || ok.endsWith("/unevaluatedProperties");
      if (additional && !otherAdditional && (oi.equals(instance) || oi.startsWith(instance + "/"))) {
        return false; // a declared property that failed its own schema, not an unknown one
      }
      if (!additional && !otherAdditional) {
        if (oi.startsWith(instance + "/") && !keyword.endsWith("/required")) {
          return false; // a deeper error says more
        }
        if (oi.equals(instance) && ok.length() > keyword.length() && ok.startsWith(keyword.substring(0,
          keyword.lastIndexOf('/') < 0 ? 0 : keyword.lastIndexOf('/')))) {
          return false; // same place, a more specific keyword
        }
      }
    }
    return true;
  }

  private static String instance(OutputUnit unit) {
    String i = unit.getInstanceLocation() == null ? "" : unit.getInstanceLocation();
    return i.startsWith("#") ? i.substring(1) : i;
  }

  private static String keyword(OutputUnit unit) {
    return unit.getKeywordLocation() == null ? "" : unit.getKeywordLocation();
  }

  /** The part of a validator message after "Reason: ", or the message itself. */
  private static String reason(String message) {
    if (message == null) {
      return "is invalid";
    }
    int i = message.indexOf("Reason: ");
    return i >= 0 ? message.substring(i + 8) : message;
  }

  /** Where the bad value is: the body ("") or a parameter (/query/name, /path/name, /header/name). */
  private static String locationOf(String message) {
    if (message == null) {
      return "";
    }
    Matcher located = PARAMETER.matcher(message);
    if (located.find()) {
      return "/" + located.group(1) + "/" + located.group(2);
    }
    return "";
  }

  private static List<OutputUnit> leaves(OutputUnit root) {
    List<OutputUnit> out = new ArrayList<>();
    collect(root, out);
    if (out.isEmpty()) {
      out.add(root);
    }
    return out;
  }

  private static void collect(OutputUnit unit, List<OutputUnit> out) {
    List<OutputUnit> children = unit.getErrors();
    if (children == null || children.isEmpty()) {
      if (unit.getError() != null) {
        out.add(unit);
      }
      return;
    }
    for (OutputUnit child : children) {
      collect(child, out);
    }
  }

  private static String pointerOf(OutputUnit unit) {
    String instance = instance(unit);
    if (keyword(unit).endsWith("/required")) {
      Matcher m = REQUIRED.matcher(unit.getError() == null ? "" : unit.getError());
      if (m.find()) {
        return instance + "/" + escape(m.group(1));
      }
    }
    return instance;
  }

  private static String message(OutputUnit unit) {
    String keyword = unit.getKeywordLocation() == null ? "" : unit.getKeywordLocation();
    if (keyword.endsWith("/required")) {
      return "is required";
    }
    if (keyword.endsWith("/additionalProperties") || keyword.endsWith("/unevaluatedProperties")) {
      return "is not an allowed property";
    }
    return unit.getError() == null ? "is invalid" : unit.getError();
  }

  private static String escape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }
}
