package io.caestream.cli;

import io.caestream.dataset.CalibrationImages;
import io.caestream.dataset.MvtecLayout;
import io.caestream.model.BatchListener;
import io.caestream.model.ModelSource;
import io.caestream.scoring.Calibration;
import io.caestream.scoring.Calibrator;
import io.caestream.scoring.ImageScorer;
import io.caestream.scoring.ScoringMethod;
import io.caestream.scoring.ScoringSettings;
import io.caestream.scoring.ScoringEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code calibrate}: threshold and score statistics from normal images, written beside the model. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
    description = "Run the serving path over normal images and write <model>.calibration.json.")
public final class CalibrateCommand implements Callable<Integer> {
  @Mixin
  ScorerOptions options;

  @Mixin
  WorkerOptions workers;

  @Option(names = "--data", description = "MVTec-layout folder: the model's held-out train/good files (<model>.split.json), else test/good.")
  Path data;

  @Option(names = "--normal-dir", description = "Folder of normal images to use instead of --data.")
  Path normalDir;

  @Option(names = "--quantile", defaultValue = "0.995", description = "Quantile of normal scores used as threshold (default ${DEFAULT-VALUE}).")
  double quantile;

  @Option(names = "--out", description = "Calibration file (default: <model>.calibration.json beside the model).")
  Path out;

  @Option(names = "--normalize", defaultValue = "pixel",
      description = "pixel: divide the error map by each position's normal mean and std (estimated on "
          + "other normal images); none: raw errors (default ${DEFAULT-VALUE}).")
  String normalize;

  @Override
  public Integer call() throws Exception {
    if (normalDir == null && data == null) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "give --data DIR or --normal-dir DIR");
    }
    if (!normalize.equals("pixel") && !normalize.equals("none")) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--normalize must be pixel or none, got " + normalize);
    }
    CalibrationImages.Choice choice = normalDir != null
        ? CalibrationImages.alternate(MvtecLayout.imagesIn(normalDir), normalDir.toString())
        : CalibrationImages.choose(data, options.model);
    List<Path> files = choice.files();
    List<Path> normalization = normalize.equals("pixel") ? choice.normalization() : List.of();
    System.out.printf("calibrating on %d normal images from %s%s%n", files.size(), choice.origin(),
        normalization.isEmpty() ? "" : ", per-pixel normalization from " + normalization.size() + " others");
    try (ScoringEngine engine = ScoringEngine.open(options.load(workers.batchLimit()), BatchListener.NONE, ScoringEngine.Purpose.CALIBRATE)) {
      Path target = out != null ? out : engine.source().file().map(ModelSource::calibrationFile)
          .orElseThrow(() -> new IllegalArgumentException("the bundled model is read-only: pass --model or --out"));
      ImageScorer scorer = engine.scorer();
      ScoringSettings settings = scorer.settings();
      if (options.method == null && normalization.isEmpty() && settings.method().planes().size() > 1) {
        // The default adds per-pixel z-scores; without images to normalise on, the plain peak it is.
        System.out.printf("no per-pixel normalization (%s): scoring with %s, not %s%n",
            normalize.equals("none") ? "--normalize none" : "no normal images left for it",
            ScoringMethod.SMOOTH_MAX.word(), settings.method().word());
        scorer = scorer.withSettings(ScoringSettings.uncalibrated(ScoringMethod.SMOOTH_MAX,
            settings.smoothingSigma(), settings.mapSigma()));
      }
      Progress progress = new Progress("calibrate", files.size());
      Calibration c = Calibrator.calibrate(scorer, files, normalization, quantile,
          engine.model().metadata().sha256(), workers.count,
          progress::update);
      progress.finish();
      Files.createDirectories(target.toAbsolutePath().getParent());
      c.write(target);
      System.out.printf("%-16s %s%n%-16s %s%n%-16s %.6g (q=%.4f)%n%-16s %.6g%n%-16s %d%n",
          "calibration", target, "method", c.method(), "threshold", c.threshold(), c.quantile(),
          "pixel threshold", c.pixelThreshold(), "images", c.images());
      System.out.printf("%-16s min %.6g  mean %.6g  std %.6g  p50 %.6g  p99 %.6g  max %.6g%n", "scores",
          c.stats().min(), c.stats().mean(), c.stats().std(), c.stats().p50(), c.stats().p99(), c.stats().max());
      return Main.EXIT_OK;
    }
  }
}
