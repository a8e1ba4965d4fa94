package io.daytona.webhooks;

import io.daytona.webhooks.testsupport.JavaProcess;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JVM options {@code bin/webhook-service} passes, seen by a stand-in {@code java} first on the PATH
 * (LauncherIT runs the script with the real jar).
 */
class LauncherScriptTest {

  private static final String LAUNCHER = Path.of("bin/webhook-service").toAbsolutePath().toString();

  @Test
  void theJvmExitsOnOutOfMemoryWhateverJavaOptsSays() throws Exception {
    Path bin = Files.createTempDirectory("fake-java");
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/bin/sh\necho \"java $*\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path jar = Files.createTempFile("service", ".jar");
    Map<String, String> env = new HashMap<>(Map.of("WEBHOOKS_JAR", jar.toString(), "WEBHOOKS_CDS_ARCHIVE", "none",
      "PATH", bin + File.pathSeparator + System.getenv("PATH")));
    env.put("JAVA_OPTS", null); // not set

    JavaProcess defaults = JavaProcess.launch(List.of(LAUNCHER, "--help"), env);
    assertThat(defaults.waitFor(30)).as(defaults.output()).isZero();
    assertThat(defaults.output()).contains("-XX:+ExitOnOutOfMemoryError").contains("-Xmx128m")
      .contains("-jar " + jar + " --help");

    env.put("JAVA_OPTS", "-Xmx512m");
    JavaProcess own = JavaProcess.launch(List.of(LAUNCHER), env);
    assertThat(own.waitFor(30)).as(own.output()).isZero();
    assertThat(own.output()).contains("-XX:+ExitOnOutOfMemoryError -Xmx512m").doesNotContain("-Xmx128m");
  }
}
