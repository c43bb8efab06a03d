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
    // The hash binds the calibration to its model: serving refuses a calibration without it.
    if (modelSha256 == null || !modelSha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("the model's SHA-256 is needed to bind the calibration to it, got " + modelSha256);
    }
    if (normalImages.isEmpty()) {
      throw new IllegalArgumentException("no normal images to calibrate on");
    }
    if (!(quantile > 0 && quantile < 1)) {
      throw new IllegalArgumentException("quantile must be in (0,1), got " + quantile);
    }
    ScoringMethod method = scorer.settings().method();
    if (method.planes().size() > 1 && normalizationImages.isEmpty()) {
      throw new IllegalArgumentException("scoring method " + method.word() + " adds the per-pixel z-scores of "
          + method.planes().size() + " error maps: it needs per-pixel normalization (calibrate --normalize pixel)");
    }
    PixelNormalization normalization = null;
    if (!normalizationImages.isEmpty()) {
      normalization = estimate(scorer, normalizationImages, threads);
      scorer = scorer.withSettings(scorer.settings().withNormalization(normalization));
    }
    List<ParallelScoring.Outcome> outcomes = ParallelScoring.score(scorer, normalImages, threads, true, progress);
    List<ParallelScoring.Outcome> scored = outcomes.stream().filter(ParallelScoring.Outcome::scored).toList();
    if (scored.isEmpty()) {
      throw new IllegalArgumentException("none of the " + normalImages.size() + " images could be decoded");
    }
    double[] scores = scored.stream().mapToDouble(o -> o.result().score()).toArray();
    float[] sample = pixelSample(scored);
    Arrays.sort(sample);
    double pixelThreshold = sample[(int) Math.min(sample.length - 1, Math.floor(PIXEL_QUANTILE * (sample.length - 1)))];
    ScoringSettings s = scorer.settings();
    return new Calibration(RankMetrics.quantile(scores, quantile), s.method().word(), quantile,
        pixelThreshold, s.smoothingSigma(), s.mapSigma(), RankMetrics.stats(scores), scored.size(), modelSha256,
        Instant.now().toString(), normalization,
        normalization == null ? null : normalizationImages.size());
  }

  /** Most map pixels the pixel quantile is taken over; more are sampled evenly (large frames). */
  static final int MAX_PIXEL_SAMPLE = 1 << 23;

  private static float[] pixelSample(List<ParallelScoring.Outcome> scored) {
    long total = 0;
    for (ParallelScoring.Outcome o : scored) {
      total += o.map().values().length;
    }
    int step = (int) Math.max(1, (total + MAX_PIXEL_SAMPLE - 1) / MAX_PIXEL_SAMPLE);
    float[] out = new float[(int) ((total + step - 1) / step)];
    long i = 0;
    int k = 0;
    for (ParallelScoring.Outcome o : scored) {
      for (float v : o.map().values()) {
        if (i++ % step == 0 && k < out.length) {
          out[k++] = v;
        }
      }
    }
    return Arrays.copyOf(out, k);
  }

  private static PixelNormalization estimate(ImageScorer scorer, List<Path> files, int threads) {
    PixelNormalization.Estimator e = new PixelNormalization.Estimator(scorer.inputSpec().width(),
        scorer.inputSpec().height(), scorer.settings().method().planes().size());
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
        Math.max(1, threads));
    try {
      List<java.util.concurrent.Future<?>> jobs = new ArrayList<>();
      for (Path f : files) {
        jobs.add(pool.submit(() -> {
          try {
            scorer.rawErrorMaps(Files.readAllBytes(f), e::add);
          } catch (ImageRejectedException skipped) {
            // An undecodable file among the normals is skipped, as in the threshold pass.
          } catch (IOException io) {
            throw new UncheckedIOException(io);
          }
          return null;
        }));
      }
      for (var j : jobs) {
        j.get();
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", ie);
    } catch (java.util.concurrent.ExecutionException ee) {
      throw ee.getCause() instanceof RuntimeException re ? re : new IllegalStateException(ee.getCause());
    } finally {
      pool.shutdownNow();
    }
    return e.result();
  }
}
