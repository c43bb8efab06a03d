package io.caestream.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a stage's CPU went, in microseconds per image, from two snapshots taken while the stage
 * ran. The additive bound prices Kafka at the pass-through's cost per record; this shows what a
 * record really costs inside {@code serve}, and on which threads.
 *
 * <p>Groups, by thread name: {@value #SCORING} (the scoring buffer's pool, the inference thread,
 * the scoring path's callers), {@value #STREAM} (Kafka Streams' stream threads), {@value #CLIENTS}
 * (the Kafka clients' network and heartbeat threads), {@value #BROKER} (a broker in this JVM),
 * {@value #JIT} (compile time), {@value #OTHER} (the rest of this process: GC, the VM, native
 * threads, bench's own) and {@value #OUTSIDE} (the rest of the machine: a broker process of its
 * own, a producer). {@code machineCores} is how many cores the whole machine kept busy. A thread
 * that ends before the second snapshot is lost to its group: its CPU in between is counted in
 * {@value #OTHER}.
 * On a machine without {@code /proc/stat} the machine-wide figures are missing.
 */
final class CpuMeter {
  static final String SCORING = "scoring";
  static final String STREAM = "streamThreads";
  static final String CLIENTS = "kafkaClients";
  static final String BROKER = "broker";
  static final String JIT = "jit";
  static final String OTHER = "otherInJvm";
  static final String OUTSIDE = "outsideJvm";
  private static final Path PROC_STAT = Path.of("/proc/stat");
  /** USER_HZ, the unit of /proc/stat: 100 on every Linux build that matters here. */
  private static final double TICKS_PER_SECOND = 100;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final CompilationMXBean COMPILER = ManagementFactory.getCompilationMXBean();

  /** What a stage cost: machine-wide busy cores (null when unknown) and CPU per image by group. */
  record Use(Double machineCores, Map<String, Double> usPerImage) {
    /** Everything but the scoring pool, per image: what Kafka (and its clients) cost a record when a pool scores. */
    double beyondScoringUs() {
      return usPerImage.entrySet().stream().filter(e -> !e.getKey().equals(SCORING))
          .mapToDouble(Map.Entry::getValue).sum();
    }

    double totalUs() {
      return usPerImage.values().stream().mapToDouble(Double::doubleValue).sum();
    }
  }

  /** One live thread's group and CPU time so far. */
  record ThreadCpu(String group, long cpuNanos) {}

  /** CPU times at one moment; {@code threads} by thread id. */
  record Snapshot(long nanos, long machineBusyTicks, long processCpuNanos, long compileMs,
      Map<Long, ThreadCpu> threads) {}

  private CpuMeter() {}

  static Snapshot take() {
    Map<Long, ThreadCpu> threads = new HashMap<>();
    long[] ids = THREADS.getAllThreadIds();
    ThreadInfo[] infos = THREADS.getThreadInfo(ids);
    boolean cpuTime = THREADS.isThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
    for (int i = 0; i < ids.length && cpuTime; i++) {
      long ns = THREADS.getThreadCpuTime(ids[i]);
      if (infos[i] != null && ns >= 0) {
        threads.put(ids[i], new ThreadCpu(group(infos[i].getThreadName()), ns));
      }
    }
    long compile = COMPILER != null && COMPILER.isCompilationTimeMonitoringSupported()
        ? COMPILER.getTotalCompilationTime() : 0;
    return new Snapshot(System.nanoTime(), machineBusyTicks(), processCpuNanos(), compile, threads);
  }

  /** CPU between {@code a} and {@code b} for {@code images} images. */
  static Use between(Snapshot a, Snapshot b, long images) {
    double per = 1e-3 / Math.max(1, images); // ns -> us per image
    // Per thread, so that a thread that ends in between takes only its own CPU away (to OTHER).
    Map<String, Long> groups = new HashMap<>();
    b.threads().forEach((id, t) -> {
      ThreadCpu before = a.threads().get(id);
      groups.merge(t.group(), Math.max(0, t.cpuNanos() - (before == null ? 0 : before.cpuNanos())), Long::sum);
    });
    Map<String, Double> us = new LinkedHashMap<>();
    long javaThreads = 0;
    for (String g : new String[] {SCORING, STREAM, CLIENTS, BROKER}) {
      long ns = groups.getOrDefault(g, 0L);
      javaThreads += ns;
      if (ns > 0 || g.equals(SCORING) || g.equals(STREAM)) {
        us.put(g, ns * per);
      }
    }
    long jit = Math.max(0, b.compileMs() - a.compileMs()) * 1_000_000L;
    us.put(JIT, jit * per);
    long process = b.processCpuNanos() - a.processCpuNanos();
    if (a.processCpuNanos() >= 0) {
      us.put(OTHER, Math.max(0, process - javaThreads - jit) * per);
    }
    Double machineCores = null;
    if (a.machineBusyTicks() >= 0 && b.machineBusyTicks() >= 0) {
      double machineNs = (b.machineBusyTicks() - a.machineBusyTicks()) / TICKS_PER_SECOND * 1e9;
      machineCores = machineNs / Math.max(1, b.nanos() - a.nanos());
      if (a.processCpuNanos() >= 0) {
        us.put(OUTSIDE, Math.max(0, machineNs - process) * per);
      }
    }
    return new Use(machineCores, us);
  }

  /** The group a thread's CPU is counted in, by the names Kafka and cae-stream give their threads. */
  static String group(String thread) {
    if (thread.startsWith("cae-buffer-") || thread.startsWith("cae-inference") || thread.startsWith("bench-caller")
        || thread.startsWith("cae-offline")) {
      return SCORING;
    }
    if (thread.startsWith("kafka-producer-network-thread") || thread.startsWith("kafka-coordinator-heartbeat")
        || thread.startsWith("kafka-admin-client-thread") || thread.startsWith("consumer_background_thread")) {
      return CLIENTS;
    }
    if (thread.contains("-StreamThread-")) {
      return STREAM;
    }
    if (thread.startsWith("data-plane-kafka") || thread.startsWith("kafka-network-thread")
        || thread.contains("-raft-") || thread.startsWith("broker-") || thread.startsWith("controller-")
        || thread.startsWith("group-coordinator") || thread.startsWith("TxnMarkerSender")
        || thread.startsWith("AddPartitionsToTxnSender") || thread.startsWith("LogDirFailureHandler")
        || thread.startsWith("kafka-scheduler") || thread.startsWith("ReplicaFetcher")) {
      return BROKER;
    }
    return OTHER;
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /** Busy ticks of all cores since boot (everything but idle and iowait), or -1 without /proc/stat. */
  static long machineBusyTicks() {
    try {
      return busyTicks(Files.readAllLines(PROC_STAT).get(0));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** From the {@code cpu} line of /proc/stat: user nice system idle iowait irq softirq steal ... */
  static long busyTicks(String cpuLine) {
    String[] f = cpuLine.trim().split("\\s+");
    if (!f[0].equals("cpu")) {
      throw new IllegalArgumentException("not the cpu line of /proc/stat: " + cpuLine);
    }
    long busy = 0;
    for (int i = 1; i < Math.min(f.length, 9); i++) {
      if (i != 4 && i != 5) { // idle, iowait
        busy += Long.parseLong(f[i]);
      }
    }
    return busy;
  }
}
