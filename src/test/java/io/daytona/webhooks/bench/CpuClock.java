package io.daytona.webhooks.bench;

import com.sun.management.OperatingSystemMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time spent between two instants: the whole machine's (every process: this JVM, PostgreSQL, a
 * service or load process of its own) from {@code /proc/stat}, this JVM's, and its JIT compilers'.
 * Divided by the events of a measurement it says what each event cost, which on a saturated
 * machine is what its rate comes from: events/s ≈ cores × 1,000 / machine CPU ms per event. The JIT
 * part says whether the measurement was taken in a steady state. {@link #processMillis} reads the
 * same for another process (the service, from the load client and the drain benchmark).
 */
final class CpuClock {

  /** {@code /proc/stat} counts in USER_HZ ticks, 100 per second on Linux. */
  private static final double MS_PER_TICK = 10.0;

  private final long machineTicks;
  private final long jvmNanos;
  private final long jitMillis;

  private CpuClock(long machineTicks, long jvmNanos, long jitMillis) {
    this.machineTicks = machineTicks;
    this.jvmNanos = jvmNanos;
    this.jitMillis = jitMillis;
  }

  static CpuClock now() {
    return new CpuClock(machineBusyTicks(), jvmNanos(), jitMillis());
  }

  /** Machine, JVM and JIT milliseconds per event since this instant; NaN where not measurable. */
  Cpu perEvent(int events) {
    long ticks = machineBusyTicks();
    double machine = ticks < 0 || machineTicks < 0 ? Double.NaN : (ticks - machineTicks) * MS_PER_TICK / events;
    double jvm = (jvmNanos() - jvmNanos) / 1e6 / events;
    double jit = Math.max(0, jitMillis() - jitMillis) / (double) events;
    return new Cpu(machine, jvm, jit);
  }

  /**
   * CPU milliseconds per event: of the machine; of this JVM; of this JVM's JIT compilers (code still
   * being compiled: not yet a steady state).
   */
  record Cpu(double machineMs, double jvmMs, double jitMs) {
    static final Cpu UNKNOWN = new Cpu(Double.NaN, Double.NaN, Double.NaN);
  }

  /** Ticks of all CPUs not idle and not waiting for I/O since boot, or -1 without {@code /proc/stat}. */
  private static long machineBusyTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(f[i]);
        }
      }
      return busy;
    } catch (IOException | RuntimeException notLinux) {
      return -1;
    }
  }

  private static long jitMillis() {
    long[] self = processMillis("self");
    return self == null ? 0 : self[1];
  }

  /** The JIT compilers' share of a process's CPU between two {@link #processMillis} readings; NaN when unknown. */
  static double jitShare(long[] before, long[] after) {
    if (before == null || after == null || after[0] <= before[0]) {
      return Double.NaN;
    }
    return (double) (after[1] - before[1]) / (after[0] - before[0]);
  }

  /**
   * CPU milliseconds of process {@code pid} ({@code "self"}: this JVM) from {@code /proc}: the whole
   * process's (exited threads included), and its JIT compiler threads' ({@code C1/C2 CompilerThre…});
   * null when unreadable. A compiler thread that has exited takes its time with it, so the JIT's
   * differences may be a little low, never high. (HotSpot's own compilation time would count the
   * time a compilation waited for a core as well.)
   */
  static long[] processMillis(String pid) {
    long jit = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", pid, "task"))) {
      for (Path task : tasks) {
        try {
          Stat thread = Stat.of(task.resolve("stat"));
          if (thread.name().startsWith("C1 Compiler") || thread.name().startsWith("C2 Compiler")) {
            jit += thread.ticks();
          }
        } catch (IOException | RuntimeException exited) {
          // the thread ended meanwhile
        }
      }
      long all = Stat.of(Path.of("/proc", pid, "stat")).ticks();
      return new long[] {(long) (all * MS_PER_TICK), (long) (jit * MS_PER_TICK)};
    } catch (IOException | RuntimeException notLinux) {
      return null;
    }
  }

  /** A {@code /proc/…/stat} file: the process's or thread's name and its user plus system ticks. */
  private record Stat(String name, long ticks) {
    static Stat of(Path file) throws IOException {
      String s = Files.readString(file);
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return new Stat(s.substring(s.indexOf('(') + 1, s.lastIndexOf(')')), Long.parseLong(f[11]) + Long.parseLong(f[12]));
    }
  }

  private static long jvmNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
