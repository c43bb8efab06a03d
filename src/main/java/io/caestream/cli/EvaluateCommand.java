package io.caestream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.dataset.MvtecLayout;
import io.caestream.model.BatchListener;
import io.caestream.scoring.Evaluator;
import io.caestream.scoring.ScoringEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code evaluate}: image/pixel AUROC, AUPR and F1 on a labelled MVTec-layout folder. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Image AUROC, AUPR, F1 at the threshold and pixel AUROC on a labelled MVTec-layout folder.")
public final class EvaluateCommand implements Callable<Integer> {
  @Mixin
  ScorerOptions options;

  @Mixin
  WorkerOptions workers;

  @Option(names = "--data", required = true, description = "MVTec-layout folder (its test/ is evaluated).")
  Path data;

  @Option(names = "--json", description = "Also write the report as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    var images = new MvtecLayout(data).testImages();
    try (ScoringEngine engine = ScoringEngine.open(options.load(workers.batchLimit()), BatchListener.NONE, ScoringEngine.Purpose.EVALUATE)) {
      Progress progress = new Progress("evaluate", images.size());
      Evaluator.Report r = Evaluator.evaluate(engine.scorer(), images, workers.count, progress::update);
      progress.finish();
      String row = "%-16s %7s %9s %9s %9s%n";
      System.out.printf(row, "DEFECT", "IMAGES", "AUROC", "PIX-AUROC", "AUPRO");
      for (Map.Entry<String, Evaluator.DefectReport> e : r.perDefect().entrySet()) {
        Evaluator.DefectReport d = e.getValue();
        System.out.printf(row, e.getKey(), d.images(), Tables.num(d.imageAuroc(), "%.4f"),
            Tables.num(d.pixelAuroc(), "%.4f"), Tables.num(d.aupro(), "%.4f"));
      }
      System.out.printf(row, "ALL", r.images(), Tables.num(r.imageAuroc(), "%.4f"),
          Tables.num(r.pixelAuroc(), "%.4f"), Tables.num(r.aupro(), "%.4f"));
      System.out.printf("%nmodel %s (%s), method %s, threshold %s%n", engine.model().metadata().name(),
          engine.model().metadata().version(), r.method(), Tables.num(r.threshold(), "%.6g"));
      if (r.threshold() == null) {
        System.out.printf("image AUPR %.4f   (no threshold for %s: F1 needs a calibration with this method)   rejected %d%n",
            r.imageAupr(), r.method(), r.rejected());
      } else {
        System.out.printf("image AUPR %.4f   F1 %.4f (precision %.4f, recall %.4f)   rejected %d%n",
            r.imageAupr(), r.f1(), r.precision(), r.recall(), r.rejected());
      }
      if (json != null) {
        Path parent = json.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Files.writeString(json, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(r));
      }
      return Main.EXIT_OK;
    }
  }
}
