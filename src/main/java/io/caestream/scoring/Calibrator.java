package io.caestream.scoring;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Sets the threshold from normal images run through the serving path: the image threshold is a
 * quantile of normal scores, the pixel threshold (for regions) a high quantile of normal
 * smoothed-error pixels.
 */
public final class Calibrator {
  /** Share of normal pixels allowed above the pixel threshold. */
  public static final double PIXEL_QUANTILE = 0.999;

  private Calibrator() {}

  public static Calibration calibrate(ImageScorer scorer, List<Path> normalImages, double quantile,
      String modelSha256, int threads, IntConsumer progress) {
    if (normalImages.isEmpty()) {
      throw new IllegalArgumentException("no normal images to calibrate on");
    }
    if (!(quantile > 0 && quantile < 1)) {
      throw new IllegalArgumentException("quantile must be in (0,1), got " + quantile);
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
        Instant.now().toString());
  }
}
