package io.daytona.webhooks.bench;

import java.util.Arrays;
import java.util.Locale;

/** Latency samples (microseconds) and a duration: events/s, p50, p99. */
final class Stats {

  final String name;
  final int count;
  final double seconds;
  final long[] micros;
  final int errors;

  Stats(String name, int count, double seconds, long[] micros, int errors) {
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

  String row() {
    return String.format(Locale.ROOT, "| %s | %d | %.1f | %.0f | %.2f | %.2f | %d |", name, count, seconds, perSecond(),
      percentileMillis(50), percentileMillis(99), errors);
  }

  static String header() {
    return "| measurement | events | seconds | events/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|---|";
  }
}
