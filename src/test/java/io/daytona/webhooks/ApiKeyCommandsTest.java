package io.daytona.webhooks;

import io.daytona.webhooks.testsupport.JavaProcess;
import io.daytona.webhooks.testsupport.TestDatabase;
import io.daytona.webhooks.testsupport.TestService;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code create-api-key}, {@code list-api-keys} and {@code revoke-api-key} as processes on the database of a
 * running service: a revoked key is refused (401) at once, the listing never shows a key.
 */
@ExtendWith(VertxExtension.class)
class ApiKeyCommandsTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String MAIN = "io.daytona.webhooks.Main";
  private static final Pattern KEY = Pattern.compile("whk_[A-Za-z0-9_-]{20,}");

  private WebhookService service;
  private WebClient client;
  private Map<String, String> env;

  @BeforeEach
  void setUp(Vertx vertx) {
    String databaseUrl = TestDatabase.freshDatabaseUrl();
    env = Map.of("DATABASE_URL", databaseUrl);
    service = block(TestService.start(Map.of("DATABASE_URL", databaseUrl)), WAIT);
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(service.port()));
  }

  @AfterEach
  void tearDown() {
    if (service != null) {
      block(service.stop(), WAIT);
    }
  }

  private JavaProcess run(String... args) throws Exception {
    JavaProcess p = JavaProcess.start(MAIN, env, args);
    p.waitFor(120);
    return p;
  }

  private String createKey(String... args) throws Exception {
    JavaProcess p = run(args);
    assertThat(p.process().exitValue()).as(p.output()).isZero();
    Matcher m = KEY.matcher(p.output());
    assertThat(m.find()).as(p.output()).isTrue();
    return m.group();
  }

  private int status(String path, String key) {
    return block(client.get(path).putHeader("X-API-Key", key).send(), WAIT).statusCode();
  }

  @Test
  void keysAreListedWithoutTheKeyAndARevokedKeyIsRefusedAtOnce() throws Exception {
    String orgKey = createKey("create-api-key", "--organization", "org-l", "--description", "ci");
    String adminKey = createKey("create-api-key", "--admin");
    String orgPrefix = orgKey.substring(0, 12);
    String adminPrefix = adminKey.substring(0, 12);
    assertThat(status("/api/webhooks/organizations/org-l/initialization-status", orgKey)).isEqualTo(200);

    JavaProcess list = run("list-api-keys");
    assertThat(list.process().exitValue()).as(list.output()).isZero();
    String out = list.output();
    assertThat(out).doesNotContain(orgKey).doesNotContain(adminKey);
    List<String> lines = out.lines().toList();
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("PREFIX\tSCOPE\tCREATED\tLAST_USED"));
    String orgLine = lines.stream().filter(l -> l.startsWith(orgPrefix + "\t")).findFirst().orElseThrow();
    String[] org = orgLine.split("\t");
    assertThat(org[1]).isEqualTo("organization org-l");
    java.time.Instant.parse(org[2]);
    java.time.Instant.parse(org[3]); // used just now
    assertThat(org[4]).isEqualTo("-");
    assertThat(org[5]).isEqualTo("ci");
    String[] admin = lines.stream().filter(l -> l.startsWith(adminPrefix + "\t")).findFirst().orElseThrow().split("\t");
    assertThat(admin[1]).isEqualTo("admin");
    assertThat(admin[3]).isEqualTo("never");

    JavaProcess revoke = run("revoke-api-key", orgPrefix);
    assertThat(revoke.process().exitValue()).as(revoke.output()).isZero();
    assertThat(status("/api/webhooks/organizations/org-l/initialization-status", orgKey)).isEqualTo(401);
    assertThat(status("/api/webhooks/status", adminKey)).isEqualTo(200);

    String[] revoked = run("list-api-keys").output().lines().filter(l -> l.startsWith(orgPrefix + "\t"))
      .findFirst().orElseThrow().split("\t");
    java.time.Instant.parse(revoked[4]);

    JavaProcess again = run("revoke-api-key", orgPrefix);
    assertThat(again.process().exitValue()).isEqualTo(1);
    assertThat(again.output()).contains("No unrevoked API key has the prefix");
    JavaProcess missing = run("revoke-api-key");
    assertThat(missing.process().exitValue()).isEqualTo(2);
  }
}
