package io.daytona.webhooks;

import io.daytona.webhooks.testsupport.JavaProcess;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jar's command line as an operator uses it, with real processes and the embedded
 * PostgreSQL of a data directory: development mode, create-api-key with and without a running
 * service, and a restart on the same data.
 */
class CommandLineTest {

  private static final Pattern KEY = Pattern.compile("whk_[A-Za-z0-9_-]{20,}");
  private static final String MAIN = "io.daytona.webhooks.Main";

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void helpExplainsBothCommands() throws Exception {
    JavaProcess help = JavaProcess.start(MAIN, Map.of(), "--help");
    assertThat(help.waitFor(60)).isZero();
    assertThat(help.output()).contains("create-api-key --organization").contains("create-api-key --admin")
      .contains("Runs the webhook service");
    JavaProcess wrong = JavaProcess.start(MAIN, Map.of(), "create-api-key");
    assertThat(wrong.waitFor(60)).isEqualTo(2);
    assertThat(wrong.output()).contains("exactly one of --organization <id> or --admin");
  }

  @Test
  void createApiKeyRefusesABadOrganizationIdBeforeTouchingAnyDatabase() throws Exception {
    Path data = Files.createTempDirectory("webhooks-data");
    for (String id : List.of(".", "..", "a/b")) {
      JavaProcess cli = JavaProcess.start(MAIN, Map.of("WEBHOOKS_DATA_DIR", data.toString()),
        "create-api-key", "--organization", id);
      assertThat(cli.waitFor(60)).as(cli.output()).isEqualTo(2);
      assertThat(cli.output()).contains("--organization: must be 1-256 characters").doesNotContainPattern("whk_");
    }
    assertThat(data.resolve("postgres")).doesNotExist();
  }

  @Test
  void developmentModeApiKeysAndRestartOnTheSameData() throws Exception {
    Path data = Files.createTempDirectory("webhooks-data");
    int port = freePort();
    Map<String, String> env = new HashMap<>();
    env.put("WEBHOOKS_DATA_DIR", data.toString());
    env.put("HTTP_PORT", String.valueOf(port));

    // 1. create-api-key with no service running: starts the embedded database itself
    JavaProcess cli = JavaProcess.start(MAIN, env, "create-api-key", "--organization", "org-x");
    assertThat(cli.waitFor(120)).as(cli.output()).isZero();
    String orgKey = onlyKeyOnStdout(cli);

    // 2. the service in development mode: admin key created, printed with a warning, loopback only
    JavaProcess service = JavaProcess.start(MAIN, env);
    try {
      service.awaitOutput("Webhook service ready", 120);
      String devKey = keyAfter(service.output(), "DEVELOPMENT MODE");
      assertThat(Files.readString(data.resolve("dev-admin-api-key")).trim()).isEqualTo(devKey);
      assertThat(service.output()).contains("Default: HTTP_HOST not set: listening on 127.0.0.1 (development mode)");
      assertThat(get(port, "/api/webhooks/status", devKey)).isEqualTo(200);
      assertThat(get(port, "/api/webhooks/organizations/org-x/initialization-status", orgKey)).isNotIn(401, 403);
      assertThat(get(port, "/api/webhooks/organizations/org-y/initialization-status", orgKey)).isEqualTo(403);

      // 3. create-api-key while the service runs: attaches to the same embedded database
      JavaProcess admin = JavaProcess.start(MAIN, env, "create-api-key", "--admin");
      assertThat(admin.waitFor(120)).as(admin.output()).isZero();
      assertThat(admin.output()).contains("Attached to the embedded PostgreSQL already running");
      String adminKey = onlyKeyOnStdout(admin);
      assertThat(get(port, "/api/webhooks/initialization-stats", adminKey)).isNotIn(401, 403);

      // 4. restart: same development key, every API key kept
      service.stop();
      service = JavaProcess.start(MAIN, env);
      service.awaitOutput("Webhook service ready", 120);
      assertThat(keyAfter(service.output(), "DEVELOPMENT MODE")).isEqualTo(devKey);
      assertThat(get(port, "/api/webhooks/status", devKey)).isEqualTo(200);
      assertThat(get(port, "/api/webhooks/organizations/org-x/initialization-status", orgKey)).isNotIn(401, 403);
      assertThat(get(port, "/api/webhooks/initialization-stats", adminKey)).isNotIn(401, 403);
      assertThat(get(port, "/api/webhooks/status", "whk_" + "A".repeat(43))).isEqualTo(401);
    } finally {
      service.stop();
    }
  }

  /** stdout carries the key alone (logs go to stderr; both are captured together here, so look for one key). */
  private static String onlyKeyOnStdout(JavaProcess cli) {
    List<String> keys = KEY.matcher(cli.output()).results().map(m -> m.group()).distinct().toList();
    assertThat(keys).as(cli.output()).hasSize(1);
    assertThat(cli.output().lines()).contains(keys.get(0));
    return keys.get(0);
  }

  private static String keyAfter(String output, String marker) {
    String line = output.lines().filter(l -> l.contains(marker)).findFirst().orElseThrow();
    Matcher m = KEY.matcher(line);
    assertThat(m.find()).as(line).isTrue();
    return m.group();
  }

  private int get(int port, String path, String key) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
      .header("X-API-Key", key).GET().build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
