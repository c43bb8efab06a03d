package io.caestream.scoring;

import io.caestream.image.ImageDecoder;
import io.caestream.image.ImageHeader;
import io.caestream.image.ImageRejectedException;
import io.caestream.image.InputSpec;
import io.caestream.model.DynamicBatcher;

/**
 * The one path from image bytes to a score, used by every command and by the stream: decode to
 * the model's input, reconstruct (batched with other threads), per-pixel squared error, smoothing,
 * image score, verdict and region. Thread-safe; each thread keeps its own scratch arrays, so the
 * steady state allocates only the result.
 */
public final class ImageScorer {
  private final ImageDecoder decoder;
  private final DynamicBatcher batcher;
  private final ScoringSettings settings;
  private final GaussianSmoother scoreSmoother;
  private final GaussianSmoother mapSmoother;
  private final ThreadLocal<Scratch> scratch;

  private static final class Scratch {
    final float[] input;
    final float[] recon;
    final float[] error;
    final float[] tmp;
    final float[] smooth;
    final float[] map;
    final int[] stack;
    final boolean[] seen;

    Scratch(InputSpec spec) {
      input = new float[spec.size()];
      recon = new float[spec.size()];
      error = new float[spec.pixels()];
      tmp = new float[spec.pixels()];
      smooth = new float[spec.pixels()];
      map = new float[spec.pixels()];
      stack = new int[spec.pixels()];
      seen = new boolean[spec.pixels()];
    }
  }

  public ImageScorer(ImageDecoder decoder, DynamicBatcher batcher, ScoringSettings settings) {
    if (!decoder.spec().equals(batcher.inputSpec())) {
      throw new IllegalArgumentException("decoder and model disagree on the input shape");
    }
    this.decoder = decoder;
    this.batcher = batcher;
    this.settings = settings;
    this.scoreSmoother = new GaussianSmoother(settings.smoothingSigma());
    this.mapSmoother = new GaussianSmoother(settings.mapSigma());
    this.scratch = ThreadLocal.withInitial(() -> new Scratch(decoder.spec()));
  }

  public ScoringSettings settings() {
    return settings;
  }

  public InputSpec inputSpec() {
    return decoder.spec();
  }


  public ScoreResult score(byte[] bytes) throws ImageRejectedException {
    return score(bytes, null);
  }

  /**
   * Scores one image; when {@code smoothedMapOut} is given (height*width floats) the anomaly map
   * (the error map smoothed with {@code mapSigma}) is copied there (for calibration and
   * pixel-level evaluation).
   *
   * @throws ImageRejectedException for a bad image (dead-lettered by the stream)
   * @throws io.caestream.model.ModelFailureException when the model fails (not the image's fault)
   */
  public ScoreResult score(byte[] bytes, float[] smoothedMapOut) throws ImageRejectedException {
    Scratch s = scratch.get();
    InputSpec spec = decoder.spec();
    ImageHeader header = decoder.decode(bytes, s.input);
    batcher.reconstruct(s.input, s.recon);
    int w = spec.width();
    int h = spec.height();
    ErrorMaps.squaredError(s.input, s.recon, spec.channels(), spec.pixels(), s.error);
    double score = switch (settings.method()) {
      case MSE -> ErrorMaps.mean(s.error, spec.pixels());
      case SMOOTH_MAX -> {
        scoreSmoother.smooth(s.error, w, h, s.tmp, s.smooth);
        yield s.smooth[ErrorMaps.argMax(s.smooth, spec.pixels())];
      }
    };
    boolean calibrated = settings.calibrated();
    boolean anomalous = calibrated && score > settings.threshold();
    // The wider anomaly map is only needed where it is looked at: regions of anomalous images,
    // and the maps that calibration and evaluation ask for. Normal images skip it.
    if (anomalous || smoothedMapOut != null) {
      mapSmoother.smooth(s.error, w, h, s.tmp, s.map);
    }
    if (smoothedMapOut != null) {
      System.arraycopy(s.map, 0, smoothedMapOut, 0, spec.pixels());
    }
    if (!calibrated) {
      return new ScoreResult(score, Double.NaN, false, Double.NaN, null, header);
    }
    double threshold = settings.threshold();
    Region region = anomalous
        ? RegionFinder.find(s.map, w, h, (float) settings.pixelThreshold(), s.stack, s.seen) : null;
    return new ScoreResult(score, threshold, anomalous, score / (score + threshold), region,
        header);
  }
}
