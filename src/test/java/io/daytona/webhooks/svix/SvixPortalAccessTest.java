package io.daytona.webhooks.svix;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.daytona.webhooks.svix.SvixTestKit.newOrg;
import static org.assertj.core.api.Assertions.assertThat;

/** With Svix, portal-access also answers Svix's own app-portal link (the SDK's app-portal access). */
class SvixPortalAccessTest {

  private static SvixTestKit kit;

  @BeforeAll
  static void start() {
    kit = SvixTestKit.withStandIn(Map.of("SVIX_TIMEOUT_MS", "2000"));
  }

  @AfterAll
  static void stop() {
    kit.close();
  }

  @Test
  void thePortalLinkComesWithSvixsAppPortalLink() {
    String org = newOrg();
    assertThat(kit.createEndpoint(org, new JsonObject().put("url", "https://example.test/" + org)).statusCode())
      .isEqualTo(201);
    HttpResponse<Buffer> r = kit.http(HttpMethod.POST, "/organizations/" + org + "/portal-access", org, new JsonObject());
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject access = r.bodyAsJsonObject();
    assertThat(access.getString("token")).startsWith("whp_");
    assertThat(access.getString("url")).contains("/portal#token=" + access.getString("token"));
    assertThat(access.getString("svixAppPortalUrl")).startsWith(kit.standIn.serverUrl() + "/app-portal/");
  }

  @Test
  void whenSvixIsDownTheTokenIsStillMintedWithoutSvixsLink() {
    String org = newOrg();
    kit.standIn.failAll(503);
    try {
      HttpResponse<Buffer> r = kit.http(HttpMethod.POST, "/organizations/" + org + "/portal-access", org, new JsonObject());
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      assertThat(r.bodyAsJsonObject().getString("svixAppPortalUrl")).isNull();
    } finally {
      SvixTestKit.await(kit.standIn.heal());
    }
  }
}
