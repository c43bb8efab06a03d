package io.caestream.scoring;

import io.caestream.image.ImageRejectedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Sets the threshold from normal images run through the serving path: the image threshold is a
 * quantile of normal scores, the pixel threshold (for regions) a high quantile of normal
 * smoothed-error pixels. With per-pixel normalization, its mean and std per position come first,
 * from a separate set of normal images, so the thresholds are set on images the normalization
 * has not seen (z-scores of the images it was fitted on would be too small).
 */
public final class Calibrator {
  /** Share of normal pixels allowed above the pixel threshold. */
  public static final double PIXEL_QUANTILE = 0.999;

  private Calibrator() {}

  public static Calibration calibrate(ImageScorer scorer, List<Path> normalImages, double quantile,
      String modelSha256, int threads, IntConsumer progress) {
    return calibrate(scorer, normalImages, List.of(), quantile, modelSha256, threads, progress);
  }

  /**
   * @param normalizationImages normal images to estimate the per-pixel normalization from; empty
   *     for none
   */
  public static Calibration calibrate(ImageScorer scorer, List<Path> normalImages,
      List<Path> normalizationImages, double quantile, String modelSha256, int threads,
      IntConsumer progress) {
    if (normalImages.isEmpty()) {
      throw new IllegalArgumentException("no normal images to calibrate on");
    }
    if (!(quantile > 0 && quantile < 1)) {
      throw new IllegalArgumentException("quantile must be in (0,1), got " + quantile);
    }
    PixelNormalization normalization = null;
    if (!normalizationImages.isEmpty()) {
      normalization = PixelNormalization.estimate(rawMaps(scorer, normalizationImages),
          scorer.inputSpec().width(), scorer.inputSpec().height());
      scorer = scorer.withSettings(scorer.settings().withNormalization(normalization));
    }
    List<ParallelScoring.Outcome> outcomes = ParallelScoring.score(scorer, normalImages, threads, true, progress);
    List<ParallelScoring.Outcome> scored = outcomes.stream().filter(ParallelScoring.Outcome::scored).toList();
    if (scored.isEmpty()) {
      throw new IllegalArgumentException("none of the " + normalImages.size() + " images could be decoded");
    }
    double[] scores = scored.stream().mapToDouble(o -> o.result().score()).toArray();
    int pixels = scorer.inputSpec().pixels();
    float[] all = new float[scored.size() * pixels];
    for (int i = 0; i < scored.size(); i++) {
      System.arraycopy(scored.get(i).map(), 0, all, i * pixels, pixels);
    }
    Arrays.sort(all);
    double pixelThreshold = all[(int) Math.min(all.length - 1, Math.floor(PIXEL_QUANTILE * (all.length - 1)))];
    ScoringSettings s = scorer.settings();
    return new Calibration(RankMetrics.quantile(scores, quantile), s.method().word(), quantile,
        pixelThreshold, s.smoothingSigma(), s.mapSigma(), RankMetrics.stats(scores), scored.size(), modelSha256,
        Instant.now().toString(), normalization,
        normalization == null ? null : normalizationImages.size());
  }

  private static List<float[]> rawMaps(ImageScorer scorer, List<Path> files) {
    List<float[]> maps = new ArrayList<>(files.size());
    for (Path f : files) {
      float[] map = new float[scorer.inputSpec().pixels()];
      try {
        scorer.rawErrorMap(Files.readAllBytes(f), map);
        maps.add(map);
      } catch (ImageRejectedException e) {
        // An undecodable file among the normals is skipped, as in the threshold pass.
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return maps;
  }
}
