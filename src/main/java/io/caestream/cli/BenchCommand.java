package io.caestream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.bench.Bench;
import io.caestream.bench.BenchRow;
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

/** {@code bench}: raw ONNX Runtime vs the scoring path vs end to end through a broker. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure raw ONNX Runtime, the full scoring path and end to end through a broker, on one model.")
public final class BenchCommand implements Callable<Integer> {
  @Mixin
  ScorerOptions options;
  @Option(names = "--batch", split = ",", defaultValue = "1,8,32", description = "Batch sizes (default ${DEFAULT-VALUE}).")
  List<Integer> batches;
  @Option(names = "--seconds", defaultValue = "5", description = "Measuring time per stage and batch (default ${DEFAULT-VALUE}).")
  double seconds;
  @Option(names = "--images", defaultValue = "512", description = "Distinct generated images (default ${DEFAULT-VALUE}).")
  int images;
  @Option(names = "--e2e-images", defaultValue = "5000", description = "Images per end-to-end run (default ${DEFAULT-VALUE}).")
  long e2eImages;
  @Option(names = "--no-e2e", description = "Skip the end-to-end stage.")
  boolean noE2e;
  @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: model.intra.op.threads, 0 = half the cores).")
  Integer threads;
  @Option(names = "--json", description = "Write the results as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    CaeConfig c = options.load(threads == null ? Map.of()
        : Map.of(CaeConfig.MODEL_INTRA_OP_THREADS, threads.toString()));
    System.err.printf("bench: %d cores, batches %s, %.1f s per stage%n",
        Runtime.getRuntime().availableProcessors(), batches, seconds);
    List<BenchRow> rows = new Bench(new Bench.Options(c, batches, seconds, images, !noE2e, e2eImages), System.err).run();
    System.out.printf("%n%-13s %6s %11s %9s %9s %9s%n", "STAGE", "BATCH", "IMAGES/S", "x RAW", "P50 MS", "P99 MS");
    for (BenchRow r : rows) {
      System.out.printf("%-13s %6d %11.1f %9.3f %9.3f %9.3f%n", r.stage(), r.batch(), r.imagesPerSec(),
          r.ratioToRaw(), r.p50Ms(), r.p99Ms());
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("rawImagesPerSec", best(rows, "raw").map(BenchRow::imagesPerSec).orElse(null));
    doc.put("scoringPathImagesPerSec", best(rows, "scoring-path").map(BenchRow::imagesPerSec).orElse(null));
    doc.put("e2eImagesPerSec", best(rows, "end-to-end").map(BenchRow::imagesPerSec).orElse(null));
    doc.put("e2eP99Ms", best(rows, "end-to-end").map(BenchRow::p99Ms).orElse(null));
    doc.put("cores", Runtime.getRuntime().availableProcessors());
    doc.put("rows", rows);
    if (json != null) {
      Path parent = json.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.writeString(json, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    }
    return Main.EXIT_OK;
  }

  private static java.util.Optional<BenchRow> best(List<BenchRow> rows, String stage) {
    return rows.stream().filter(r -> r.stage().equals(stage)).max(Comparator.comparingDouble(BenchRow::imagesPerSec));
  }
}
