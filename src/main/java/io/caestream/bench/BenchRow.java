package io.caestream.bench;

import java.util.List;
import java.util.Map;

/**
 * One measured stage. {@code imagesPerSec} counts what a user sends (images, or frames with
 * {@code --frame}); {@code tilesPerSec} is model inputs per second when frames are tiled.
 * Latencies are per image (raw: per frame's session runs; latency rows: capture to visible).
 * {@code variant} is the compared setting ({@code --vary}) as {@code key=value}; {@code
 * latencyParts} splits a latency row's capture-to-visible time; {@code roundRatiosToBound} is an
 * end-to-end row's ratio to the bound of each round's own scoring-path and kafka stages, which ran
 * minutes apart at most ({@code ratioToBound} pairs the best of each, maybe from different
 * rounds). {@code jitCores} is how many cores the JIT compilers used while the stage ran (from
 * {@link Bench#QUIET_JIT_CORES} up, the stage shared the cores with them). {@code machineCores} and
 * {@code cpuUsPerImage} (kafka and end-to-end rows) say how many cores the machine kept busy over the
 * counted records and where the CPU went per image, by the groups of {@link CpuMeter}. Fields that
 * do not apply to a stage are null.
 */
public record BenchRow(String stage, int batch, Integer streamThreads, double imagesPerSec, Double tilesPerSec,
    Double ratioToRaw, Double ratioToBound, Double inputRate, Double p50Ms, Double p99Ms, Double maxMs,
    long images, double seconds, String variant, LatencyParts latencyParts, List<Double> roundRatiosToBound, Double jitCores,
    Double machineCores, Map<String, Double> cpuUsPerImage) {

  static BenchRow throughput(String stage, int batch, int streamThreads, double imagesPerSec, int tiles,
      Double ratioToRaw, Double ratioToBound, long images, double seconds) {
    return throughput(stage, batch, streamThreads, imagesPerSec, tiles, ratioToRaw, ratioToBound, images, seconds,
        null);
  }

  static BenchRow throughput(String stage, int batch, int streamThreads, double imagesPerSec, int tiles,
      Double ratioToRaw, Double ratioToBound, long images, double seconds, String variant) {
    return new BenchRow(stage, batch, streamThreads == 0 ? null : streamThreads, imagesPerSec,
        tiles > 1 ? imagesPerSec * tiles : null, ratioToRaw, ratioToBound, null, null, null, null, images, seconds,
        variant, null, null, null, null, null);
  }

  static BenchRow latency(int batch, int streamThreads, KafkaStages.Latency l, String variant) {
    return new BenchRow("latency", batch, streamThreads, l.outputRate(), null, null, null, l.inputRate(),
        l.p50Ms(), l.p99Ms(), l.maxMs(), l.images(), 0, variant, l.parts(), null, l.jitCores(), null, null);
  }

  BenchRow withLatency(double p50, double p99) {
    return new BenchRow(stage, batch, streamThreads, imagesPerSec, tilesPerSec, ratioToRaw, ratioToBound,
        inputRate, p50, p99, maxMs, images, seconds, variant, latencyParts, roundRatiosToBound, jitCores, machineCores, cpuUsPerImage);
  }

  BenchRow withRoundRatios(List<Double> ratios) {
    return new BenchRow(stage, batch, streamThreads, imagesPerSec, tilesPerSec, ratioToRaw, ratioToBound,
        inputRate, p50Ms, p99Ms, maxMs, images, seconds, variant, latencyParts, List.copyOf(ratios), jitCores, machineCores, cpuUsPerImage);
  }

  BenchRow withCpu(CpuMeter.Use cpu) {
    return cpu == null ? this : new BenchRow(stage, batch, streamThreads, imagesPerSec, tilesPerSec, ratioToRaw,
        ratioToBound, inputRate, p50Ms, p99Ms, maxMs, images, seconds, variant, latencyParts, roundRatiosToBound,
        jitCores, cpu.machineCores(), java.util.Collections.unmodifiableMap(cpu.usPerImage()));
  }

  BenchRow withRatioToRaw(double ratio) {
    return new BenchRow(stage, batch, streamThreads, imagesPerSec, tilesPerSec, ratio, ratioToBound,
        inputRate, p50Ms, p99Ms, maxMs, images, seconds, variant, latencyParts, roundRatiosToBound, jitCores, machineCores, cpuUsPerImage);
  }

  BenchRow withJitCores(double cores) {
    return new BenchRow(stage, batch, streamThreads, imagesPerSec, tilesPerSec, ratioToRaw, ratioToBound,
        inputRate, p50Ms, p99Ms, maxMs, images, seconds, variant, latencyParts, roundRatiosToBound, cores, machineCores, cpuUsPerImage);
  }
}
