package io.caestream.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * How many cores the JIT compilers used since the last reading: their accumulated compile time
 * per wall-clock second. On 2 cores a fresh bench process spends a quarter of them compiling for
 * its first minute, which slows whichever stage happens to run then, so bench warms up until this
 * is small and reports it per stage. Zero where the JVM does not keep compile times.
 */
final class JitMeter {
  private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
  private final boolean supported = jit != null && jit.isCompilationTimeMonitoringSupported();
  private long lastCompileMs = compileMs();
  private long lastNanos = System.nanoTime();

  /** Compiler cores (compile time per wall second) since construction or the previous call. */
  double coresSinceLast() {
    long compile = compileMs();
    long now = System.nanoTime();
    double wallMs = Math.max(1e-3, (now - lastNanos) / 1e6);
    double cores = (compile - lastCompileMs) / wallMs;
    lastCompileMs = compile;
    lastNanos = now;
    return cores;
  }

  private long compileMs() {
    return supported ? jit.getTotalCompilationTime() : 0;
  }
}
