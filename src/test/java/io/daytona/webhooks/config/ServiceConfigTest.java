package io.daytona.webhooks.config;

import io.daytona.webhooks.testsupport.JavaProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceConfigTest {

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
    "HTTP_PORT|abc|HTTP_PORT: not a port number",
    "HTTP_PORT|70000|HTTP_PORT: port out of range",
    "HTTP_PORT|-1|HTTP_PORT: port out of range",
    "CLUSTER_PORT|0|CLUSTER_PORT: port out of range",
    "DATABASE_URL|not a url|DATABASE_URL: malformed URL",
    "DATABASE_URL|mysql://u:p@h:3306/db|DATABASE_URL: scheme must be postgresql://",
    "DATABASE_URL|postgresql:///db|DATABASE_URL: no host",
    "SVIX_SERVER_URL|ftp://svix.example.com|SVIX_SERVER_URL: must be an http:// or https:// URL",
    "SVIX_SERVER_URL|https://svix.example.com/api|SVIX_SERVER_URL: must be scheme, host and port only",
    "SVIX_OPERATIONAL_WEBHOOK_SECRET|secret|SVIX_OPERATIONAL_WEBHOOK_SECRET: must start with whsec_",
    "JWT_SECRET|short|JWT_SECRET: must be at least 32 characters",
    "JWT_PUBLIC_KEY|/no/such/key.pem|JWT_PUBLIC_KEY: neither a PEM public key nor a readable file",
    "JWT_PUBLIC_KEY|-----BEGIN PUBLIC KEY-----AAAA-----END PUBLIC KEY-----|JWT_PUBLIC_KEY: not a readable RSA public key",
    "PRECONFIGURED_ENDPOINT_BASE_URL|webhook.example.com|PRECONFIGURED_ENDPOINT_BASE_URL: must be an http:// or https:// URL",
    "CLUSTER|maybe|CLUSTER: must be true or false",
    "CLUSTER_MEMBERS|10.0.0.1:99999|CLUSTER_MEMBERS: port out of range",
    "SVIX_TIMEOUT_MS|0|SVIX_TIMEOUT_MS: must be between",
    "DATABASE_POOL_SIZE|x|DATABASE_POOL_SIZE: not a whole number",
    "MAX_PAYLOAD_BYTES|0|MAX_PAYLOAD_BYTES: must be between 1 and 1048576",
    "MAX_PAYLOAD_BYTES|2000000|MAX_PAYLOAD_BYTES: must be between 1 and 1048576",
    "SEND_RATE_LIMIT|0|SEND_RATE_LIMIT: must be between 1 and",
    "SEND_RATE_LIMIT|fast|SEND_RATE_LIMIT: not a whole number",
    "HTTP_IDLE_TIMEOUT_S|0|HTTP_IDLE_TIMEOUT_S: must be between 1 and 86400"
  })
  void aBadValueNamesTheVariableAndTheProblem(String key, String value, String expected) {
    assertThatThrownBy(() -> ServiceConfig.from(Map.of(key, value)))
      .isInstanceOf(ConfigException.class)
      .hasMessageStartingWith(expected);
  }

  @Test
  void defaultsAreChosenAndLoggedOncePerKey() {
    ServiceConfig config = ServiceConfig.from(Map.of());
    assertThat(config.developmentAuth()).isTrue();
    assertThat(config.httpHost).isEqualTo("127.0.0.1");
    assertThat(config.httpPort).isEqualTo(8080);
    assertThat(config.database).isNull();
    assertThat(config.dataDir).isEqualTo(Path.of("./data"));
    assertThat(config.svixEnabled()).isFalse();
    assertThat(config.deliveryProvider).isEqualTo(ServiceConfig.Provider.BUILTIN);
    assertThat(config.builtin.retrySchedule()).hasSize(7);
    assertThat(config.builtin.allowedNetworks()).containsExactly("127.0.0.0/8", "::1/128");
    assertThat(config.preconfiguredEndpointBaseUrl.toString()).isEqualTo("https://webhook.daytona.io");
    assertThat(config.limits.maxPayloadBytes()).isEqualTo(262_144);
    assertThat(config.limits.sendRateLimit()).isEqualTo(100);
    assertThat(config.limits.httpIdleTimeout()).isEqualTo(java.time.Duration.ofSeconds(60));
    assertThat(config.defaultsChosen())
      .anyMatch(l -> l.startsWith("DATABASE_URL not set"))
      .anyMatch(l -> l.startsWith("DELIVERY_PROVIDER not set: builtin"))
      .anyMatch(l -> l.startsWith("DELIVERY_ALLOWED_NETWORKS not set"))
      .anyMatch(l -> l.startsWith("HTTP_HOST not set: listening on 127.0.0.1"))
      .anyMatch(l -> l.startsWith("JWT_SECRET and JWT_PUBLIC_KEY not set"));
    assertThat(config.defaultsChosen()).doesNotHaveDuplicates();
  }

  @Test
  void withJwtConfiguredTheServiceListensOnAllInterfaces() {
    ServiceConfig config = ServiceConfig.from(Map.of("JWT_SECRET", "x".repeat(40),
      "DATABASE_URL", "postgresql://svc:p%40ss@db.internal:6543/webhooks",
      "SVIX_SERVER_URL", "https://svix.internal:8071/",
      "CLUSTER_MEMBERS", "10.0.0.1, 10.0.0.2:5702"));
    assertThat(config.developmentAuth()).isFalse();
    assertThat(config.httpHost).isEqualTo("0.0.0.0");
    assertThat(config.database).isEqualTo(new ServiceConfig.Database("db.internal", 6543, "webhooks", "svc", "p@ss"));
    assertThat(config.svixServerUrl.toString()).isEqualTo("https://svix.internal:8071");
    assertThat(config.clusterMembers).containsExactly("10.0.0.1", "10.0.0.2:5702");
  }

  @Test
  void portalFrameAncestorsAreCspSourcesAndNothingElse() {
    assertThat(ServiceConfig.from(Map.of()).portalFrameAncestors).isEqualTo("'self'");
    assertThat(ServiceConfig.from(Map.of("PORTAL_FRAME_ANCESTORS",
      "'self', https://app.example.com https://*.example.org:8443")).portalFrameAncestors)
      .isEqualTo("'self' https://app.example.com https://*.example.org:8443");
    assertThat(ServiceConfig.from(Map.of("PORTAL_FRAME_ANCESTORS", "'NONE'")).portalFrameAncestors).isEqualTo("'none'");
    for (String bad : new String[] {"'self'; script-src *", "https://app.example.com/x;", "javascript:alert(1)",
      "'none' https://app.example.com", "'unsafe-inline'"}) {
      assertThatThrownBy(() -> ServiceConfig.from(Map.of("PORTAL_FRAME_ANCESTORS", bad)))
        .as(bad).isInstanceOf(ConfigException.class).hasMessageStartingWith("PORTAL_FRAME_ANCESTORS: ");
    }
  }

  @Test
  void aPublicKeyCanBeGivenAsAFile() throws Exception {
    var pair = java.security.KeyPairGenerator.getInstance("RSA");
    pair.initialize(2048);
    String pem = "-----BEGIN PUBLIC KEY-----\n"
      + java.util.Base64.getMimeEncoder().encodeToString(pair.generateKeyPair().getPublic().getEncoded())
      + "\n-----END PUBLIC KEY-----\n";
    Path file = Files.createTempFile("jwt", ".pem");
    Files.writeString(file, pem);
    ServiceConfig config = ServiceConfig.from(Map.of("JWT_PUBLIC_KEY", file.toString()));
    assertThat(config.jwtPublicKeyPem).contains("BEGIN PUBLIC KEY");
    assertThat(config.developmentAuth()).isFalse();
  }

  @Test
  void everyKeyHasItsDefaultInConfigYaml() throws Exception {
    String yaml = Files.readString(Path.of("conf/config.yaml"));
    for (String key : ServiceConfig.KEYS) {
      assertThat(yaml).as(key).containsPattern("(?m)^" + key + ":");
    }
    assertThat(yaml).containsPattern("(?m)^MAX_PAYLOAD_BYTES: 262144$").containsPattern("(?m)^SEND_RATE_LIMIT: 100$")
      .containsPattern("(?m)^HTTP_IDLE_TIMEOUT_S: 60$");
  }

  @Test
  void aBadValueStopsStartUpWithOneLineAndANonZeroExitCode() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("HTTP_PORT", "99999");
    JavaProcess process = JavaProcess.start("io.daytona.webhooks.Main", env);
    int code = process.waitFor(60);
    assertThat(code).isNotZero();
    assertThat(process.output().lines().filter(l -> l.contains("HTTP_PORT")))
      .containsExactly("Configuration error: HTTP_PORT: port out of range (0-65535): 99999");
  }

  @Test
  void theCodesFallbacksAreExactlyTheDefaultsOfConfigYaml() throws Exception {
    // conf/config.yaml is the one place an operator reads the defaults: a key the code falls back on
    // differently (or one missing from the file) fails here
    for (Map<String, String> given : java.util.List.of(Map.of("JWT_SECRET", "x".repeat(40)), Map.<String, String>of())) {
      ServiceConfig withFile = ServiceConfig.from(given);
      ServiceConfig codeOnly = ServiceConfig.withoutDefaultsFile(given);
      for (java.lang.reflect.Field f : ServiceConfig.class.getFields()) {
        if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        Object a = f.get(withFile);
        Object b = f.get(codeOnly);
        if (a instanceof java.nio.file.Path p) {
          a = p.toAbsolutePath().normalize();
          b = ((java.nio.file.Path) b).toAbsolutePath().normalize();
        }
        assertThat(a).as(f.getName() + " (given " + given.keySet() + ")").isEqualTo(b);
      }
    }
    java.util.Set<String> inFile = io.daytona.webhooks.config.ConfigSource.packagedDefaults().fieldNames();
    assertThat(inFile).as("every configuration key is listed in conf/config.yaml").containsAll(ServiceConfig.KEYS);
  }

  @Test
  void developmentModeOnANonLoopbackAddressNeedsTheOptIn() {
    assertThatThrownBy(() -> ServiceConfig.from(Map.of("HTTP_HOST", "0.0.0.0")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("HTTP_HOST")
      .hasMessageContaining("JWT_SECRET").hasMessageContaining("ALLOW_DEVELOPMENT_MODE=true");
    assertThat(ServiceConfig.from(Map.of("HTTP_HOST", "0.0.0.0", "ALLOW_DEVELOPMENT_MODE", "true")).httpHost)
      .isEqualTo("0.0.0.0");
    assertThat(ServiceConfig.from(Map.of("HTTP_HOST", "127.0.0.1")).developmentAuth()).isTrue();
    assertThat(ServiceConfig.from(Map.of("HTTP_HOST", "0.0.0.0", "JWT_SECRET", "x".repeat(40))).httpHost)
      .isEqualTo("0.0.0.0");
  }
}
