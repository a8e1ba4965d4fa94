package io.daytona.webhooks.cluster;

import io.daytona.webhooks.testsupport.JavaProcess;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The example platform publisher of {@code examples/platform-publisher}, compiled from its source at
 * test time against ONLY Vert.x core and Hazelcast (vertx-core, vertx-core-logging, vertx-hazelcast, hazelcast, netty,
 * jackson-core, picked from this JVM's classpath) and run as its own JVM with only those jars: proof
 * that a platform application needs nothing of this service to publish to it.
 */
final class ExamplePublisher {

  static final Path SOURCES = Path.of("examples", "platform-publisher", "src", "main", "java");
  static final String MAIN = "io.daytona.examples.publisher.PlatformPublisher";
  private static final Pattern ALLOWED =
    Pattern.compile("(vertx-core|vertx-core-logging|vertx-hazelcast|hazelcast|jackson-core|netty-[a-z0-9-]+)-\\d[^/]*\\.jar");

  private static String classpath;

  private ExamplePublisher() {
  }

  /** The jars the publisher may use: Vert.x core, vertx-hazelcast and their own dependencies. */
  static List<String> allowedJars() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
      .filter(entry -> ALLOWED.matcher(Path.of(entry).getFileName().toString()).matches())
      .toList();
  }

  /** Compiles the example once (per test JVM) into a temporary directory; its runtime classpath. */
  static synchronized String classpath() throws IOException {
    if (classpath != null) {
      return classpath;
    }
    List<String> jars = allowedJars();
    Path out = Files.createTempDirectory("platform-publisher-classes");
    List<String> sources;
    try (Stream<Path> files = Files.walk(SOURCES)) {
      sources = files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
    }
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-d", out.toString(),
      "-classpath", String.join(File.pathSeparator, jars)));
    args.addAll(sources);
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc = compiler.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
    if (rc != 0) {
      throw new IllegalStateException("the example publisher does not compile with only " + jars + ":\n"
        + diagnostics.toString(StandardCharsets.UTF_8));
    }
    List<String> cp = new ArrayList<>();
    cp.add(out.toString());
    cp.addAll(jars);
    classpath = String.join(File.pathSeparator, cp);
    return classpath;
  }

  /** Starts the publisher with these command-line arguments. */
  static JavaProcess start(String... args) throws IOException {
    return JavaProcess.startWithClasspath(classpath(), MAIN, Map.of(), args);
  }

  /** Lines of the publisher's output that start with {@code prefix + " "}, without the prefix. */
  static List<String> lines(JavaProcess publisher, String prefix) {
    return publisher.output().lines().filter(l -> l.startsWith(prefix + " "))
      .map(l -> l.substring(prefix.length() + 1)).collect(Collectors.toList());
  }
}
