package io.caestream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.dataset.MvtecLayout;
import io.caestream.model.BatchListener;
import io.caestream.scoring.ParallelScoring;
import io.caestream.scoring.Region;
import io.caestream.scoring.ScoreResult;
import io.caestream.scoring.ScoringEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code score PATH...}: offline scoring through the stream's own path. */
@Command(name = "score", mixinStandardHelpOptions = true,
    description = "Score image files or folders with the same code path as the stream.")
public final class ScoreCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Image files or folders.")
  List<Path> paths;

  @Mixin
  ScorerOptions options;

  @Mixin
  WorkerOptions workers;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Option(names = "--heatmaps", paramLabel = "DIR",
      description = "Also write each scored image with its anomaly map and regions drawn over it, as DIR/<name>.heatmap.png.")
  Path heatmaps;

  @Override
  public Integer call() throws Exception {
    List<Path> files = MvtecLayout.expand(paths);
    try (ScoringEngine engine = ScoringEngine.open(options.load(workers.batchLimit()), BatchListener.NONE)) {
      List<ParallelScoring.Outcome> outcomes = ParallelScoring.score(engine.scorer(), files,
          workers.count, heatmaps != null, n -> { });
      if (heatmaps != null) {
        writeHeatmaps(outcomes, engine.scorer().settings().pixelThreshold());
      }
      if (json) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ParallelScoring.Outcome o : outcomes) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("file", o.file().toString());
          if (o.scored()) {
            ScoreResult r = o.result();
            row.put("score", r.score());
            row.put("threshold", r.threshold());
            row.put("normalizedScore", r.normalizedScore());
            row.put("anomalous", r.anomalous());
            row.put("region", r.region());
            row.put("regions", r.regions());
          } else {
            row.put("rejected", o.rejection().reason().word());
            row.put("message", o.rejection().getMessage());
          }
          rows.add(row);
        }
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(rows));
      } else {
        System.out.printf("%-40s %10s %6s %-9s %s%n", "FILE", "SCORE", "NORM", "VERDICT", "REGION (x,y wxh area%)");
        for (ParallelScoring.Outcome o : outcomes) {
          String name = Tables.shorten(o.file().toString(), 40);
          if (o.scored()) {
            ScoreResult r = o.result();
            Region g = r.region();
            String region = g == null ? "-" : String.format("%d,%d %dx%d %.2f%%", g.x(), g.y(),
                g.width(), g.height(), g.areaPct());
            System.out.printf("%-40s %10.6f %6.3f %-9s %s%n", name, r.score(), r.normalizedScore(),
                r.anomalous() ? "ANOMALY" : "ok", region);
          } else {
            System.out.printf("%-40s %10s %6s %-9s %s%n", name, "-", "-", "REJECTED",
                o.rejection().reason().word() + ": " + o.rejection().getMessage());
          }
        }
      }
      return Main.EXIT_OK;
    }
  }

  private void writeHeatmaps(List<ParallelScoring.Outcome> outcomes, double pixelThreshold)
      throws java.io.IOException {
    if (!(pixelThreshold > 0)) {
      throw new IllegalArgumentException("--heatmaps needs a calibrated pixel threshold (run calibrate)");
    }
    java.nio.file.Files.createDirectories(heatmaps);
    java.util.Set<String> used = new java.util.HashSet<>();
    for (ParallelScoring.Outcome o : outcomes) {
      if (!o.scored()) {
        continue;
      }
      String stem = o.file().getFileName().toString().replaceFirst("\\.[^.]+$", "");
      String name = stem;
      for (int i = 2; !used.add(name); i++) {
        name = stem + "-" + i; // same file name in two folders
      }
      java.nio.file.Files.write(heatmaps.resolve(name + ".heatmap.png"), io.caestream.scoring.Heatmaps
          .overlayPng(java.nio.file.Files.readAllBytes(o.file()), o.result(), pixelThreshold));
    }
    System.err.printf("wrote %d heatmaps to %s%n", used.size(), heatmaps);
  }
}
