package io.caestream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.caestream.config.CaeConfig;
import io.caestream.model.BatchListener;
import io.caestream.scoring.ScoringEngine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One short {@code bench} run on frames, through every stage and a real in-process broker: the
 * rows a user reads are there and consistent with each other (what they measure is reported by
 * running bench, not checked here).
 */
class BenchIntegrationTest {
  @Test
  void everyStageReportsConsistentRowsForTiledFramesOverTwoRounds() throws Exception {
    CaeConfig config = CaeConfig.defaults();
    Bench.FrameSize frame = new Bench.FrameSize(160, 128);
    // Enough frames for serve's counted window to span many commits: with 300, one slow commit on
    // a loaded CI machine made nearly all of them visible at once, after the pool had scored the
    // last, and the window held no scoring work at all.
    long records = 1200;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<BenchRow> rows = new Bench(new Bench.Options(config, List.of(4), 0.3, 4, frame, List.of(1), records,
        null, List.of(40.0), 2, 2), new PrintStream(log, true)).run();

    assertThat(rows).extracting(BenchRow::stage)
        .containsExactly("raw", "scoring-path", "kafka", "end-to-end", "latency");
    int tiles;
    try (ScoringEngine engine = ScoringEngine.open(config.with(Map.of(CaeConfig.IMAGE_FIT, "tile")),
        BatchListener.NONE)) {
      tiles = engine.scorer().tilesPerFrame(160, 128);
    }
    assertThat(tiles).isGreaterThan(1);
    BenchRow raw = rows.get(0);
    BenchRow path = rows.get(1);
    BenchRow kafka = rows.get(2);
    BenchRow e2e = rows.get(3);
    BenchRow latency = rows.get(4);
    for (BenchRow r : List.of(raw, path, kafka, e2e)) {
      assertThat(r.imagesPerSec()).as(r.stage()).isPositive();
      assertThat(r.tilesPerSec()).as(r.stage() + " tiles/s").isCloseTo(r.imagesPerSec() * tiles, within(1e-6));
    }
    assertThat(path.ratioToRaw()).isCloseTo(path.imagesPerSec() / raw.imagesPerSec(), within(1e-9));
    double bound = 1 / (1 / kafka.imagesPerSec() + 1 / path.imagesPerSec());
    assertThat(e2e.ratioToBound()).isCloseTo(e2e.imagesPerSec() / bound, within(1e-9));
    assertThat(e2e.streamThreads()).isEqualTo(1);
    // The best end to end against the best bound is never above its own round's ratio.
    assertThat(e2e.roundRatiosToBound()).hasSize(2).allSatisfy(r -> assertThat(r).isPositive());
    assertThat(e2e.ratioToBound()).isLessThanOrEqualTo(
        e2e.roundRatiosToBound().stream().mapToDouble(Double::doubleValue).max().orElseThrow() + 1e-9);
    assertThat(kafka.roundRatiosToBound()).isNull();
    // Counted from the 10th-percentile record to the last one.
    assertThat(kafka.images()).isEqualTo(records - records / 10);
    assertThat(e2e.images()).isEqualTo(records - records / 10);
    // Where the CPU of the counted records went: the scorer's pool works only end to end.
    assertThat(e2e.cpuUsPerImage().get(CpuMeter.SCORING)).as("end to end scores").isPositive();
    assertThat(kafka.cpuUsPerImage().get(CpuMeter.SCORING)).as("the pass-through does not").isZero();
    // The pass-through's records can all commit in one transaction, so that the 10th-percentile and
    // the last record arrive together and the window holds no stream-thread work; serve's frames
    // span many commits.
    assertThat(kafka.cpuUsPerImage().get(CpuMeter.STREAM)).as("its stream thread").isNotNull().isNotNegative();
    assertThat(e2e.cpuUsPerImage().get(CpuMeter.STREAM)).as("serve's stream thread").isPositive();
    assertThat(e2e.cpuUsPerImage().get(CpuMeter.BROKER)).as("the in-process broker").isPositive();
    assertThat(e2e.machineCores()).isPositive();
    assertThat(latency.cpuUsPerImage()).isNull();
    assertThat(log.toString()).contains("CPU per image: scoring").contains("CPU per record outside the scoring pool");
    assertThat(latency.inputRate()).isEqualTo(40.0);
    assertThat(latency.images()).as("every fed image was seen, warm-up included").isEqualTo(120);
    assertThat(latency.p50Ms()).isPositive().isLessThanOrEqualTo(latency.p99Ms());
    assertThat(latency.p99Ms()).isLessThanOrEqualTo(latency.maxMs());
    LatencyParts parts = latency.latencyParts();
    for (LatencyParts.Part p : List.of(parts.toScorer(), parts.inScorer(), parts.toVisible())) {
      // each part is a piece of one image's capture-to-visible time (ms clocks: 1 ms of rounding)
      assertThat(p.p50Ms()).isGreaterThanOrEqualTo(0).isLessThanOrEqualTo(p.p99Ms());
      assertThat(p.p99Ms()).isLessThanOrEqualTo(latency.maxMs() + 1);
    }
    assertThat(parts.inScorer().p50Ms()).as("scoring takes time").isPositive();
    assertThat(parts.toVisible().p50Ms()).as("a transaction commits in between").isPositive();
    assertThat(log.toString()).contains("in-process KRaft broker").contains("tiles of 64x64")
        .contains("best of 2, threads  1");
    // Raw is measured again in round 2 and the faster of the two kept: end to end is against it.
    java.util.regex.Matcher first = java.util.regex.Pattern.compile("  raw          batch   4 +([0-9.]+) img/s")
        .matcher(log.toString());
    java.util.regex.Matcher second = java.util.regex.Pattern.compile(
        "round 2: raw batch   4 +([0-9.]+) img/s, scoring path +[0-9.]+ img/s").matcher(log.toString());
    assertThat(first.find()).as("round 1's raw in the log").isTrue();
    assertThat(second.find()).as("round 2's raw in the log").isTrue();
    assertThat(raw.imagesPerSec()).isCloseTo(
        Math.max(Double.parseDouble(first.group(1)), Double.parseDouble(second.group(1))), within(0.051));
    assertThat(e2e.ratioToRaw()).isCloseTo(e2e.imagesPerSec() / raw.imagesPerSec(), within(1e-9));
  }

  @Test
  void comparedSettingsEachGetTheirOwnKafkaEndToEndAndLatencyRows() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Variants vary = Variants.parse("stream.buffer.max=1,8");
    List<BenchRow> rows = new Bench(new Bench.Options(CaeConfig.defaults(), List.of(1), 0.2, 4, null, List.of(1), 200,
        null, List.of(40.0), 1, 0.5, 2, vary, 0), new PrintStream(log, true)).run();

    assertThat(rows).extracting(BenchRow::stage).containsExactly("raw", "scoring-path",
        "kafka", "end-to-end", "kafka", "end-to-end", "latency", "latency", "latency", "latency");
    assertThat(rows).extracting(BenchRow::variant).containsExactly(null, null,
        "stream.buffer.max=1", "stream.buffer.max=1", "stream.buffer.max=8", "stream.buffer.max=8",
        // latency alternates between the values, once per round
        "stream.buffer.max=1", "stream.buffer.max=8", "stream.buffer.max=1", "stream.buffer.max=8");
    BenchRow path = rows.get(1);
    for (int i : new int[] {2, 4}) {
      double bound = 1 / (1 / rows.get(i).imagesPerSec() + 1 / path.imagesPerSec());
      assertThat(rows.get(i + 1).ratioToBound()).as("each end to end against its own pass-through")
          .isCloseTo(rows.get(i + 1).imagesPerSec() / bound, within(1e-9));
    }
    assertThat(rows.subList(6, 10)).allSatisfy(r -> assertThat(r.images()).isEqualTo(60));
    assertThat(log.toString()).contains("[stream.buffer.max=8]");
  }

  @Test
  void aWarmUpRunsServeUncountedUntilTheCompilersAreQuietOrItsTimeIsUp() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<BenchRow> rows = new Bench(new Bench.Options(CaeConfig.defaults(), List.of(1), 0.2, 4, null, List.of(1), 200,
        null, List.of(40.0), 1, 0.5, 1, Variants.NONE, 0.1), new PrintStream(log, true)).run();

    assertThat(rows).extracting(BenchRow::stage)
        .containsExactly("raw", "scoring-path", "kafka", "end-to-end", "latency");
    // The latency row feeds 0.5 s uncounted, then on while the compilers are busy, for at most
    // 0.1 s more (4 images at 40/s), then counts 1 s.
    assertThat(rows.get(4).images()).isBetween(60L, 64L);
    String text = log.toString();
    // 0.1 s is up after the first pass, however busy the compilers still are
    assertThat(text).contains("warm-up pass 1: JIT compilers").doesNotContain("warm-up pass 2");
    assertThat(text.indexOf("warm-up pass 1")).as("before anything is measured")
        .isGreaterThan(text.indexOf("producing")).isLessThan(text.indexOf("  raw "));
    assertThat(rows).allSatisfy(r -> assertThat(r.jitCores()).as(r.stage()).isNotNull().isGreaterThanOrEqualTo(0));
  }
}
