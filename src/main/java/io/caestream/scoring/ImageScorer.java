package io.caestream.scoring;

import io.caestream.image.ImageDecoder;
import io.caestream.image.ImageHeader;
import io.caestream.image.ImageRejectedException;
import io.caestream.image.InputSpec;
import io.caestream.model.DynamicBatcher;

/**
 * The one path from image bytes to a score, used by every command and by the stream: decode to
 * the model's input, reconstruct (batched with other threads), per-pixel error (squared or
 * structural), per-pixel normalization against normal images, smoothing, image score, verdict and
 * region. Thread-safe; each thread keeps its own scratch arrays, so the
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
    final StructuralError structural;

    Scratch(InputSpec spec) {
      structural = new StructuralError(spec.width(), spec.height());
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
    PixelNormalization n = settings.normalization();
    if (n != null && (n.width() != decoder.spec().width() || n.height() != decoder.spec().height())) {
      throw new IllegalArgumentException("the calibration's per-pixel normalization is " + n.width()
          + "x" + n.height() + ", the model takes " + decoder.spec().width() + "x" + decoder.spec().height());
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

  /** A scorer on the same decoder and model with other settings (calibration's second pass). */
  public ImageScorer withSettings(ScoringSettings other) {
    return new ImageScorer(decoder, batcher, other);
  }

  /**
   * The raw per-pixel error map of the settings' method, before normalization and smoothing
   * ({@code height*width} floats into {@code out}): what per-pixel normalization is estimated from.
   */
  public void rawErrorMap(byte[] bytes, float[] out) throws ImageRejectedException {
    Scratch s = scratch.get();
    decoder.decode(bytes, s.input);
    batcher.reconstruct(s.input, s.recon);
    errorMap(s, out);
  }

  private void errorMap(Scratch s, float[] out) {
    InputSpec spec = decoder.spec();
    switch (settings.method().kind()) {
      case SQUARED -> ErrorMaps.squaredError(s.input, s.recon, spec.channels(), spec.pixels(), out);
      case STRUCTURAL -> s.structural.map(s.input, s.recon, spec.channels(), out);
    }
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
    errorMap(s, s.error);
    if (settings.normalization() != null) {
      settings.normalization().apply(s.error);
    }
    double score;
    if (settings.method().peak()) {
      scoreSmoother.smooth(s.error, w, h, s.tmp, s.smooth);
      score = s.smooth[ErrorMaps.argMax(s.smooth, spec.pixels())];
    } else {
      score = ErrorMaps.mean(s.error, spec.pixels());
    }
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
    // z-scores can be below zero; the normalized score stays in [0, 1).
    double positive = Math.max(0, score);
    return new ScoreResult(score, threshold, anomalous, positive / (positive + threshold), region,
        header);
  }
}
