package io.caestream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.bench.Bench;
import io.caestream.bench.BenchRow;
import io.caestream.bench.Variants;
import io.caestream.config.CaeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench}: raw ONNX Runtime, the scoring path, Kafka alone, end to end and latency, in one
 * run on one model.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure raw ONNX Runtime, the full scoring path, Kafka alone (a pass-through topology),"
        + " end to end through serve and capture-to-visible latency at fixed rates, on one model, in one run."})
public final class BenchCommand implements Callable<Integer> {
  @Mixin
  ScorerOptions options;
  @Option(names = "--batch", split = ",", defaultValue = "1,8,32", description = "Batch sizes (default ${DEFAULT-VALUE}).")
  List<Integer> batches;
  @Option(names = "--seconds", defaultValue = "5", description = "Measuring time per stage and batch (default ${DEFAULT-VALUE}).")
  double seconds;
  @Option(names = "--images", defaultValue = "512", description = "Distinct generated images (default ${DEFAULT-VALUE}; frames: at most 16).")
  int images;
  @Option(names = "--frame", description = "Score frames of WIDTHxHEIGHT tile by tile (image.fit=tile), e.g. 1024x1024.")
  String frame;
  @Option(names = {"--kafka-images", "--e2e-images"}, defaultValue = "20000",
      description = "Records produced in advance for the kafka and end-to-end stages (default ${DEFAULT-VALUE}; frames: at most 512 MB).")
  long kafkaImages;
  @Option(names = "--stream-threads", split = ",", defaultValue = "1,4",
      description = "Stream threads of the kafka and end-to-end stages (default ${DEFAULT-VALUE}).")
  List<Integer> streamThreads;
  @Option(names = "--bootstrap", description = "Run the Kafka stages on this cluster (host:port) instead of a broker in this JVM.")
  String bootstrap;
  @Option(names = "--latency-rates", split = ",",
      description = "Input rates (images/s) of the latency rows (default: half the end-to-end rate at the first thread count).")
  List<Double> latencyRates;
  @Option(names = "--latency-seconds", defaultValue = "20", description = "Feeding time per latency row (default ${DEFAULT-VALUE}).")
  double latencySeconds;
  @Option(names = "--latency-warm-up", defaultValue = "10",
      description = "Feeding time before each latency row starts counting: a scorer started a moment ago is still"
          + " compiling (default ${DEFAULT-VALUE} s); feeding at a fixed rate then goes on uncounted while the JIT"
          + " compilers are busy, for at most --warm-up seconds more.")
  double latencyWarmUp;
  @Option(names = "--warm-up", defaultValue = "180",
      description = "Before measuring, run the stages uncounted (serve and the pass-through, or the scoring path)"
          + " until the JIT compilers are nearly idle, for at most this long (default ${DEFAULT-VALUE} s; 0 = none);"
          + " also the most each latency row's warm-up is extended while they are busy.")
  double warmUp;
  @Option(names = "--rounds", defaultValue = "1",
      description = "Run raw and the scoring path (best batch), kafka and end-to-end stages this many times, alternating, and keep the best of each (default ${DEFAULT-VALUE}).")
  int rounds;
  @Option(names = "--no-latency", description = "Skip the latency rows.")
  boolean noLatency;
  @Option(names = "--no-e2e", description = "Skip the stages that need Kafka (kafka, end to end, latency).")
  boolean noE2e;
  @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: model.intra.op.threads, 0 = half the cores).")
  Integer threads;
  @Option(names = "--vary", paramLabel = "KEY=V1,V2",
      description = "Compare values of one setting in this run: the kafka, end-to-end and latency stages run once per"
          + " value, alternating within each round (e.g. kafka.commit.interval.ms=50,100).")
  String vary;
  @Option(names = "--json", description = "Write the results as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    CaeConfig c = options.load(threads == null ? Map.of()
        : Map.of(CaeConfig.MODEL_INTRA_OP_THREADS, threads.toString()));
    Bench.FrameSize frameSize;
    try {
      frameSize = frame == null ? null : Bench.FrameSize.parse(frame);
    } catch (IllegalArgumentException e) {
      System.err.println("bench: --frame: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    if (latencyWarmUp < 0) {
      System.err.println("bench: --latency-warm-up: must be at least 0, not " + latencyWarmUp);
      return Main.EXIT_USAGE;
    }
    if (warmUp < 0) {
      System.err.println("bench: --warm-up: must be at least 0, not " + warmUp);
      return Main.EXIT_USAGE;
    }
    if (rounds < 1) {
      System.err.println("bench: --rounds: must be at least 1, not " + rounds);
      return Main.EXIT_USAGE;
    }
    Variants variants;
    try {
      variants = vary == null ? Variants.NONE : Variants.parse(vary);
    } catch (IllegalArgumentException e) {
      System.err.println("bench: --vary: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    variants.apply(c); // a bad key or value stops here, naming the key, not after the first stages
    System.err.printf("bench: %d cores, batches %s, %.1f s per stage%n",
        Runtime.getRuntime().availableProcessors(), batches, seconds);
    List<Double> rates = noLatency ? null : latencyRates == null ? List.of() : latencyRates;
    List<BenchRow> rows = new Bench(new Bench.Options(c, batches, seconds, images, frameSize,
        noE2e ? List.of() : streamThreads, kafkaImages, bootstrap, rates, latencySeconds, latencyWarmUp, rounds, variants, warmUp),
        System.err).run();
    System.out.printf("%n%-13s %5s %7s %10s %10s %7s %7s %8s %8s %8s %8s%s%n", "STAGE", "BATCH", "THREADS",
        frameSize == null ? "IMAGES/S" : "FRAMES/S", "TILES/S", "x RAW", "x BOUND", "IN/S", "P50 MS", "P99 MS", "MAX MS",
        vary == null ? "" : "  VARIANT");
    for (BenchRow r : rows) {
      System.out.printf("%-13s %5d %7s %10.1f %10s %7s %7s %8s %8s %8s %8s%s%n", r.stage(), r.batch(),
          r.streamThreads() == null ? "" : r.streamThreads().toString(), r.imagesPerSec(), cell(r.tilesPerSec(), "%.0f"),
          cell(r.ratioToRaw(), "%.3f"), cell(r.ratioToBound(), "%.3f"), cell(r.inputRate(), "%.0f"),
          cell(r.p50Ms(), "%.2f"), cell(r.p99Ms(), "%.2f"), cell(r.maxMs(), "%.1f"),
          r.variant() == null ? "" : "  " + r.variant());
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("rawImagesPerSec", best(rows, "raw").map(BenchRow::imagesPerSec).orElse(null));
    doc.put("scoringPathImagesPerSec", best(rows, "scoring-path").map(BenchRow::imagesPerSec).orElse(null));
    doc.put("kafkaImagesPerSec", best(rows, "kafka").map(BenchRow::imagesPerSec).orElse(null));
    doc.put("e2eImagesPerSec", best(rows, "end-to-end").map(BenchRow::imagesPerSec).orElse(null));
    doc.put("e2eToBound", best(rows, "end-to-end").map(BenchRow::ratioToBound).orElse(null));
    doc.put("e2eP99Ms", rows.stream().filter(r -> r.stage().equals("latency")).findFirst()
        .map(BenchRow::p99Ms).orElse(null));
    if (frameSize != null) {
      doc.put("frame", frameSize.width() + "x" + frameSize.height());
      doc.put("rawTilesPerSec", best(rows, "raw").map(BenchRow::tilesPerSec).orElse(null));
      doc.put("scoringPathTilesPerSec", best(rows, "scoring-path").map(BenchRow::tilesPerSec).orElse(null));
    }
    doc.put("latency", rows.stream().filter(r -> r.stage().equals("latency")).toList());
    doc.put("cores", Runtime.getRuntime().availableProcessors());
    doc.put("rows", rows);
    if (json != null) {
      Path parent = json.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.writeString(json, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    }
    return Main.EXIT_OK;
  }

  private static String cell(Double v, String format) {
    return v == null ? "" : String.format(java.util.Locale.ROOT, format, v);
  }

  private static java.util.Optional<BenchRow> best(List<BenchRow> rows, String stage) {
    return rows.stream().filter(r -> r.stage().equals(stage)).max(Comparator.comparingDouble(BenchRow::imagesPerSec));
  }
}
