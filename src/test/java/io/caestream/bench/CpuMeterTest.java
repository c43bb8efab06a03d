package io.caestream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuMeterTest {

  @Test
  void threadsAreGroupedByTheNamesKafkaAndTheScorerGiveThem() {
    assertThat(CpuMeter.group("cae-buffer-2")).isEqualTo(CpuMeter.SCORING);
    assertThat(CpuMeter.group("cae-inference")).isEqualTo(CpuMeter.SCORING);
    assertThat(CpuMeter.group("bench-caller-0")).isEqualTo(CpuMeter.SCORING);
    assertThat(CpuMeter.group("bench-mx8e4nic-serve-6-0f1c-StreamThread-1")).isEqualTo(CpuMeter.STREAM);
    // the stream thread's producer is a client thread, though its name names the stream thread
    assertThat(CpuMeter.group("kafka-producer-network-thread | bench-serve-6-0f1c-StreamThread-1-producer"))
        .isEqualTo(CpuMeter.CLIENTS);
    assertThat(CpuMeter.group("kafka-coordinator-heartbeat-thread | serve")).isEqualTo(CpuMeter.CLIENTS);
    assertThat(CpuMeter.group("data-plane-kafka-request-handler-0")).isEqualTo(CpuMeter.BROKER);
    assertThat(CpuMeter.group("kafka-1-raft-io-thread")).isEqualTo(CpuMeter.BROKER);
    assertThat(CpuMeter.group("cae-bench-counter")).isEqualTo(CpuMeter.OTHER);
    assertThat(CpuMeter.group("main")).isEqualTo(CpuMeter.OTHER);
  }

  @Test
  void busyTicksAreEverythingButIdleAndIowait() {
    // user nice system idle iowait irq softirq steal guest guest_nice
    assertThat(CpuMeter.busyTicks("cpu  100 5 40 1000 7 3 2 1 50 0")).isEqualTo(100 + 5 + 40 + 3 + 2 + 1);
    assertThatThrownBy(() -> CpuMeter.busyTicks("cpu0 1 2 3 4")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aStageCostIsSplitPerImageAndWhatNoGroupClaimsIsTheJvmsOrTheMachinesRest() {
    long s = 1_000_000_000L;
    CpuMeter.Snapshot a = new CpuMeter.Snapshot(0, 1_000, 10 * s, 2_000, Map.of(
        1L, new CpuMeter.ThreadCpu(CpuMeter.SCORING, 3 * s), 2L, new CpuMeter.ThreadCpu(CpuMeter.SCORING, 2 * s),
        3L, new CpuMeter.ThreadCpu(CpuMeter.STREAM, s),
        // a stream thread of an earlier stage, gone by the second snapshot
        4L, new CpuMeter.ThreadCpu(CpuMeter.STREAM, 9 * s)));
    // 2 s later: the machine 3.6 core-seconds busier, the process 3 of them, 200 ms of it compiling;
    // a client thread started in between
    CpuMeter.Snapshot b = new CpuMeter.Snapshot(2 * s, 1_360, 13 * s, 2_200, Map.of(
        1L, new CpuMeter.ThreadCpu(CpuMeter.SCORING, 4 * s), 2L, new CpuMeter.ThreadCpu(CpuMeter.SCORING, 3 * s),
        3L, new CpuMeter.ThreadCpu(CpuMeter.STREAM, s + s / 2),
        5L, new CpuMeter.ThreadCpu(CpuMeter.CLIENTS, s / 10)));
    CpuMeter.Use use = CpuMeter.between(a, b, 10_000);

    assertThat(use.machineCores()).isCloseTo(1.8, within(1e-9));
    Map<String, Double> us = use.usPerImage();
    assertThat(us.get(CpuMeter.SCORING)).isCloseTo(200, within(1e-9));
    assertThat(us.get(CpuMeter.STREAM)).isCloseTo(50, within(1e-9));
    assertThat(us.get(CpuMeter.CLIENTS)).isCloseTo(10, within(1e-9));
    assertThat(us.get(CpuMeter.JIT)).isCloseTo(20, within(1e-9));
    assertThat(us.get(CpuMeter.OTHER)).as("3 s of process CPU less 2.6 s of named threads and 0.2 s of JIT")
        .isCloseTo(20, within(1e-6));
    assertThat(us.get(CpuMeter.OUTSIDE)).as("3.6 core-seconds of the machine less the process's 3")
        .isCloseTo(60, within(1e-6));
    assertThat(us).doesNotContainKey(CpuMeter.BROKER);
    assertThat(use.totalUs()).as("every busy microsecond of the machine, once").isCloseTo(360, within(1e-6));
    assertThat(use.beyondScoringUs()).isCloseTo(160, within(1e-6));
  }

  @Test
  void aRealSnapshotSeesThisThreadsWork() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    CpuMeter.Snapshot a = CpuMeter.take();
    long ownBefore = threads.getCurrentThreadCpuTime();
    long x = 0;
    for (long i = 0; i < 200_000_000L; i++) {
      x += i ^ (x >>> 3);
    }
    long ownUs = (threads.getCurrentThreadCpuTime() - ownBefore) / 1000;
    CpuMeter.Snapshot b = CpuMeter.take();
    CpuMeter.Use use = CpuMeter.between(a, b, 1);
    assertThat(x).isNotZero();
    // This thread is in no named group; its CPU lands in the JVM's rest (or, while the loop was
    // being compiled, in the compilers' time, which is wall time and may exceed their CPU).
    assertThat(use.usPerImage().get(CpuMeter.OTHER) + use.usPerImage().get(CpuMeter.JIT))
        .isGreaterThanOrEqualTo(0.9 * ownUs);
    assertThat(use.usPerImage().get(CpuMeter.SCORING)).isZero();
    if (System.getProperty("os.name").startsWith("Linux")) {
      assertThat(use.machineCores()).isPositive();
    }
  }
}
