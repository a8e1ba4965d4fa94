package io.daytona.webhooks.realtime;

import io.daytona.webhooks.realtime.OperationalMapping.Mapped;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Each Svix operational webhook type (shapes from Svix's OpenAPI 1.99.1) and what it becomes. */
class OperationalMappingTest {

  private static JsonObject log(String org, int status, int code) {
    return new JsonObject().put("orgId", "org_2a").put("appId", "app_1").put("appUid", org)
      .put("endpointId", "ep_1").put("msgId", "msg_" + status).put("msgEventId", "evt-" + status)
      .put("msgCreated", "2025-01-01T00:00:00Z").put("attemptStart", "2025-01-01T00:00:01Z")
      .put("attemptEnd", "2025-01-01T00:00:02Z").put("attemptId", "atmpt_" + status)
      .put("responseStatusCode", code).put("attemptCount", 1).put("status", status).put("eventType", "sandbox.created");
  }

  private static JsonObject attempt(String org, int code) {
    return new JsonObject().put("appId", "app_1").put("appUid", org).put("msgId", "msg_1").put("msgEventId", "evt-1")
      .put("endpointId", "ep_1")
      .put("lastAttempt", new JsonObject().put("id", "atmpt_1").put("responseStatusCode", code)
        .put("timestamp", "2025-01-01T00:00:00Z"));
  }

  private static JsonObject endpoint(String org) {
    return new JsonObject().put("appId", "app_1").put("appUid", org).put("endpointId", "ep_1").put("endpointUid", null);
  }

  @Test
  void attemptLogMapsEachFinalEntryByStatus() {
    JsonArray entries = new JsonArray()
      .add(log("org-a", 0, 200))   // Success
      .add(log("org-b", 2, 500))   // Fail
      .add(log("org-a", 1, 0))     // Pending: not final
      .add(log("org-a", 3, 0))     // Sending: not final
      .add(log("org-a", 4, 0))     // Canceled
      .add(log(null, 0, 200));     // not one of our applications
    List<Mapped> mapped = OperationalMapping.map("message.attempt.log", entries);
    assertThat(mapped).extracting(Mapped::type, Mapped::organizationId).containsExactly(
      org.assertj.core.groups.Tuple.tuple(RealtimeEvents.WEBHOOK_DELIVERED, "org-a"),
      org.assertj.core.groups.Tuple.tuple(RealtimeEvents.WEBHOOK_FAILED, "org-b"),
      org.assertj.core.groups.Tuple.tuple(RealtimeEvents.WEBHOOK_FAILED, "org-a"));
    assertThat(mapped.get(0).data().getString("msgEventId")).isEqualTo("evt-0");
    assertThat(mapped.get(0).data().getString("svixEventType")).isEqualTo("message.attempt.log");
    assertThat(mapped.get(1).data().getInteger("responseStatusCode")).isEqualTo(500);
  }

  @Test
  void recoveredIsDeliveredWhenTheLastAttemptSucceeded() {
    assertThat(OperationalMapping.map("message.attempt.recovered", attempt("org-a", 200)))
      .singleElement().satisfies(m -> {
        assertThat(m.type()).isEqualTo(RealtimeEvents.WEBHOOK_DELIVERED);
        assertThat(m.organizationId()).isEqualTo("org-a");
        assertThat(m.data().getString("msgId")).isEqualTo("msg_1");
      });
    assertThat(OperationalMapping.map("message.attempt.recovered", attempt("org-a", 502)))
      .extracting(Mapped::type).containsExactly(RealtimeEvents.WEBHOOK_FAILED);
  }

  @Test
  void exhaustedAndFailingAreFailures() {
    for (String type : List.of("message.attempt.exhausted", "message.attempt.failing")) {
      assertThat(OperationalMapping.map(type, attempt("org-x", 500))).singleElement().satisfies(m -> {
        assertThat(m.type()).isEqualTo(RealtimeEvents.WEBHOOK_FAILED);
        assertThat(m.organizationId()).isEqualTo("org-x");
        assertThat(m.data().getString("svixEventType")).isEqualTo(type);
      });
    }
  }

  @Test
  void endpointEventsKeepTheirTypeAndDisabledOrEnabledAreUpdates() {
    assertThat(OperationalMapping.map("endpoint.created", endpoint("o"))).extracting(Mapped::type)
      .containsExactly(RealtimeEvents.ENDPOINT_CREATED);
    assertThat(OperationalMapping.map("endpoint.updated", endpoint("o"))).extracting(Mapped::type)
      .containsExactly(RealtimeEvents.ENDPOINT_UPDATED);
    assertThat(OperationalMapping.map("endpoint.deleted", endpoint("o"))).extracting(Mapped::type)
      .containsExactly(RealtimeEvents.ENDPOINT_DELETED);
    assertThat(OperationalMapping.map("endpoint.disabled", endpoint("o"))).singleElement().satisfies(m -> {
      assertThat(m.type()).isEqualTo(RealtimeEvents.ENDPOINT_UPDATED);
      assertThat(m.data().getString("svixEventType")).isEqualTo("endpoint.disabled");
      assertThat(m.data().getString("endpointId")).isEqualTo("ep_1");
    });
    assertThat(OperationalMapping.map("endpoint.enabled", endpoint("o"))).extracting(Mapped::type)
      .containsExactly(RealtimeEvents.ENDPOINT_UPDATED);
  }

  @Test
  void typesWeDoNotUseAndForeignApplicationsMapToNothing() {
    assertThat(OperationalMapping.map("background_task.finished", new JsonObject().put("taskId", "qtask_1"))).isEmpty();
    assertThat(OperationalMapping.map("ingest.message.attempt.exhausted", attempt("org-a", 500))).isEmpty();
    assertThat(OperationalMapping.map("endpoint.created", endpoint(null))).isEmpty();
    assertThat(OperationalMapping.map("message.attempt.log", new JsonObject())).isEmpty();
    assertThat(OperationalMapping.map(null, new JsonObject())).isEmpty();
  }
}
