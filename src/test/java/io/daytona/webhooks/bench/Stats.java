package io.daytona.webhooks.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * Latency samples (microseconds) and a duration: events/s, p50, p99; and, when measured, the CPU
 * each event cost the machine and this JVM.
 */
final class Stats {

  final String name;
  final int count;
  final double seconds;
  final long[] micros;
  final int errors;
  final CpuClock.Cpu cpu;

  Stats(String name, int count, double seconds, long[] micros, int errors) {
    this(name, count, seconds, micros, errors, CpuClock.Cpu.UNKNOWN);
  }

  Stats(String name, int count, double seconds, long[] micros, int errors, CpuClock.Cpu cpu) {
    this.cpu = cpu;
    this.name = name;
    this.count = count;
    this.seconds = seconds;
    this.micros = micros.clone();
    Arrays.sort(this.micros);
    this.errors = errors;
  }

  double perSecond() {
    return count / seconds;
  }

  double percentileMillis(double p) {
    if (micros.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(micros.length - 1, Math.ceil(p / 100.0 * micros.length) - 1);
    return micros[Math.max(0, index)] / 1000.0;
  }

  /** A row of {@link #header}; the CPU column only for measurements whose CPU was measured. */
  String row() {
    return String.format(Locale.ROOT, "| %s | %d | %.1f | %.0f | %s | %s | %s%d |", name, count, seconds, perSecond(),
      millis(percentileMillis(50)), millis(percentileMillis(99)), cpu(), errors);
  }

  private String cpu() {
    if (cpu == CpuClock.Cpu.UNKNOWN) {
      return "";
    }
    return (Double.isNaN(cpu.machineMs()) ? "–" : String.format(Locale.ROOT, "%.3f", cpu.machineMs()))
      + String.format(Locale.ROOT, " (%.3f; JIT %.3f) | ", cpu.jvmMs(), cpu.jitMs());
  }

  private static String millis(double ms) {
    return Double.isNaN(ms) ? "–" : String.format(Locale.ROOT, "%.2f", ms);
  }

  static String header(boolean withCpu) {
    return withCpu
      ? "| measurement | events | seconds | events/s | p50 ms | p99 ms | CPU ms per event: machine (this JVM; its JIT compiling) | errors |\n"
        + "|---|---|---|---|---|---|---|---|"
      : "| measurement | events | seconds | events/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|---|";
  }
}
