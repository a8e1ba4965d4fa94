package io.daytona.webhooks.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts a class of this project in a separate JVM (same classpath), for tests that need a real process. */
public final class JavaProcess {

  private final Process process;
  private final Path output;

  private JavaProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  /**
   * @param env the child's extra environment; a value of null removes the variable
   */
  public static JavaProcess start(String mainClass, Map<String, String> env, String... args) throws IOException {
    return startWithClasspath(System.getProperty("java.class.path"), mainClass, env, args);
  }

  /** Like {@link #start}, with the given classpath instead of this JVM's (e.g. a program that must not see this project). */
  public static JavaProcess startWithClasspath(String classpath, String mainClass, Map<String, String> env, String... args)
    throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // the JVM settings of bin/webhook-service, so that the process tests run the service as operators do
    command.add("-XX:+UseSerialGC");
    command.add("-Xmx128m");
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.addAll(List.of(args));
    return launch(command, env);
  }

  /** Runs any command (e.g. {@code bin/webhook-service}) with the service's configuration variables cleared. */
  public static JavaProcess launch(List<String> command, Map<String, String> env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    for (String key : io.daytona.webhooks.config.ServiceConfig.KEYS) {
      pb.environment().remove(key);
    }
    env.forEach((k, v) -> {
      if (v == null) {
        pb.environment().remove(k);
      } else {
        pb.environment().put(k, v);
      }
    });
    Path out = Files.createTempFile("webhooks-process", ".log");
    pb.redirectErrorStream(true).redirectOutput(out.toFile());
    return new JavaProcess(pb.start(), out);
  }

  public Process process() {
    return process;
  }

  /** Everything the process printed so far (stdout and stderr). */
  public String output() {
    try {
      return Files.readString(output);
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits for the process to exit; its exit code. */
  public int waitFor(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("process did not exit within " + seconds + " s; output:\n" + output());
    }
    return process.exitValue();
  }

  /** Waits until the output contains {@code text}, or fails. */
  public void awaitOutput(String text, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!output().contains(text)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("process exited (" + process.exitValue() + ") before printing '" + text
          + "'; output:\n" + output());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no '" + text + "' within " + seconds + " s; output:\n" + output());
      }
      Thread.sleep(100);
    }
  }

  /** SIGKILL, like a crash. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, a graceful stop. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  static String separator() {
    return File.pathSeparator;
  }
}
