package io.daytona.webhooks.realtime;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps one Svix operational webhook ({@code {type, data}}, shapes from Svix's OpenAPI 1.99.1) to
 * the real-time messages it stands for. The organization is the application's {@code appUid};
 * entries without one are not ours and map to nothing.
 *
 * <ul>
 *   <li>{@code message.attempt.log}: {@code data} is an array of {@code MessageAttemptLog}; each
 *       entry with {@code status} 0 (Success) is a {@code webhook.delivered}, 2 (Fail) or
 *       4 (Canceled) a {@code webhook.failed}; 1 (Pending) and 3 (Sending) are not final and map
 *       to nothing.</li>
 *   <li>{@code message.attempt.recovered}: {@code webhook.delivered} when
 *       {@code lastAttempt.responseStatusCode} is 2xx (or absent), else {@code webhook.failed}.</li>
 *   <li>{@code message.attempt.exhausted}, {@code message.attempt.failing}: {@code webhook.failed}.</li>
 *   <li>{@code endpoint.created|updated|deleted}: the same type; {@code endpoint.disabled|enabled}:
 *       {@code endpoint.updated}.</li>
 *   <li>Anything else: nothing.</li>
 * </ul>
 * Every published {@code data} is the Svix entry plus {@code svixEventType} (the operational type).
 */
public final class OperationalMapping {

  /** One real-time message to publish. */
  public record Mapped(String type, String organizationId, JsonObject data) {
  }

  private OperationalMapping() {
  }

  public static List<Mapped> map(String svixType, Object data) {
    List<Mapped> out = new ArrayList<>();
    if (svixType == null) {
      return out;
    }
    switch (svixType) {
      case "message.attempt.log" -> {
        if (data instanceof JsonArray entries) {
          for (Object entry : entries) {
            if (entry instanceof JsonObject log) {
              String type = switch (log.getValue("status") instanceof Number n ? n.intValue() : -1) {
                case 0 -> RealtimeEvents.WEBHOOK_DELIVERED;
                case 2, 4 -> RealtimeEvents.WEBHOOK_FAILED;
                default -> null;
              };
              add(out, type, svixType, log);
            }
          }
        }
      }
      case "message.attempt.recovered" -> {
        if (data instanceof JsonObject d) {
          Object code = d.getJsonObject("lastAttempt", new JsonObject()).getValue("responseStatusCode");
          boolean ok = !(code instanceof Number n) || n.intValue() >= 200 && n.intValue() < 300;
          add(out, ok ? RealtimeEvents.WEBHOOK_DELIVERED : RealtimeEvents.WEBHOOK_FAILED, svixType, d);
        }
      }
      case "message.attempt.exhausted", "message.attempt.failing" -> {
        if (data instanceof JsonObject d) {
          add(out, RealtimeEvents.WEBHOOK_FAILED, svixType, d);
        }
      }
      case "endpoint.created", "endpoint.updated", "endpoint.deleted" -> {
        if (data instanceof JsonObject d) {
          add(out, svixType, svixType, d);
        }
      }
      case "endpoint.disabled", "endpoint.enabled" -> {
        if (data instanceof JsonObject d) {
          add(out, RealtimeEvents.ENDPOINT_UPDATED, svixType, d);
        }
      }
      default -> {
        // background_task.finished, ingest.*, and types Svix adds later: not ours
      }
    }
    return out;
  }

  private static void add(List<Mapped> out, String type, String svixType, JsonObject entry) {
    String org = entry.getValue("appUid") instanceof String s && !s.isBlank() ? s : null;
    if (type == null || org == null) {
      return;
    }
    out.add(new Mapped(type, org, entry.copy().put("svixEventType", svixType)));
  }
}
