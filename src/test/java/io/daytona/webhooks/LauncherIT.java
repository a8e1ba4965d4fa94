package io.daytona.webhooks;

import io.daytona.webhooks.testsupport.JavaProcess;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/webhook-service} with the built jar (after {@code package}): the first start of the
 * service records its class-data archive when it stops, the next start maps it, and arguments
 * reach the jar.
 */
class LauncherIT {

  private static final String LAUNCHER = Path.of("bin/webhook-service").toAbsolutePath().toString();

  @Test
  void firstStartRecordsTheClassArchiveAndTheNextStartMapsIt() throws Exception {
    Path data = Files.createTempDirectory("launcher-data");
    Path archive = data.resolve("service.jsa");
    Map<String, String> env = new HashMap<>(Map.of(
      "WEBHOOKS_DATA_DIR", data.toString(),
      "HTTP_PORT", String.valueOf(freePort()),
      "WEBHOOKS_CDS_ARCHIVE", archive.toString(),
      "PATH", Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator + System.getenv("PATH")));

    JavaProcess help = JavaProcess.launch(List.of(LAUNCHER, "--help"), env);
    assertThat(help.waitFor(60)).as(help.output()).isZero();
    assertThat(help.output()).contains("create-api-key --organization");
    assertThat(archive).as("a one-off command is not recorded").doesNotExist();

    JavaProcess first = JavaProcess.launch(List.of(LAUNCHER), env);
    try {
      first.awaitOutput("Webhook service ready", 120);
      assertThat(first.process().info().arguments().map(List::of).orElse(List.of()))
        .contains("-XX:+UseSerialGC", "-Xmx128m", "-XX:ArchiveClassesAtExit=" + archive);
    } finally {
      first.stop();
    }
    assertThat(archive).as(first.output()).isRegularFile();
    assertThat(Files.size(archive)).isGreaterThan(1_000_000);

    // -Xshare:on: the JVM refuses to start unless it can map the archive
    env.put("JAVA_OPTS", "-XX:+UseSerialGC -Xmx128m -Xshare:on");
    JavaProcess second = JavaProcess.launch(List.of(LAUNCHER), env);
    try {
      second.awaitOutput("Webhook service ready", 120);
      assertThat(second.process().info().arguments().map(List::of).orElse(List.of()))
        .contains("-XX:SharedArchiveFile=" + archive);
    } finally {
      second.stop();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
