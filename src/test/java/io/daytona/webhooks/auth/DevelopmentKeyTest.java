package io.daytona.webhooks.auth;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestService;
import io.daytona.webhooks.testsupport.svix.SvixStandIn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The development admin key works in development mode and is revoked once the service starts outside it. */
class DevelopmentKeyTest {

  @Test
  void theDevelopmentKeyIsRevokedWhenTheServiceStartsWithRealAuthentication() throws Exception {
    String url = TestDatabase.freshDatabaseUrl();
    String dataDir = Files.createTempDirectory("webhooks-devkey").toString();
    Map<String, Object> dev = new HashMap<>();
    dev.put("DATABASE_URL", url);
    dev.put("WEBHOOKS_DATA_DIR", dataDir);
    dev.put("JWT_SECRET", null);
    Vertx client = Vertx.vertx();
    try {
      WebhookService first = await(TestService.start(dev));
      String key = first.developmentKey();
      assertThat(key).startsWith("whk_");
      assertThat(status(client, first.port(), key)).isEqualTo(200);
      await(first.stop());

      Map<String, Object> real = new HashMap<>(dev);
      real.remove("JWT_SECRET");
      WebhookService second = await(TestService.start(real));
      try {
        assertThat(second.developmentKey()).isNull();
        assertThat(status(client, second.port(), key)).isEqualTo(401);
      } finally {
        await(second.stop());
      }
    } finally {
      await(client.close());
    }
  }

  private static int status(Vertx vertx, int port, String key) {
    return await(WebClient.create(vertx).get(port, "127.0.0.1", "/api/webhooks/status").putHeader("X-API-Key", key)
      .send()).statusCode();
  }

  private static <T> T await(Future<T> f) {
    return SvixStandIn.block(f, Duration.ofSeconds(90));
  }
}
