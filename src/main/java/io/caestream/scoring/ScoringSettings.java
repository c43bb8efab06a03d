package io.caestream.scoring;

/**
 * The numbers that turn an error map into a verdict. Two smoothings: a light one for the image
 * score ({@code smoothingSigma}: keeps a thin scratch's peak) and a wider one for the anomaly map
 * and region ({@code mapSigma}: fills a defect's whole area). {@code threshold} and
 * {@code pixelThreshold} may be NaN while calibrating (scores only, no verdict). When
 * {@code normalization} is set, the error map is turned into per-pixel z-scores before anything
 * else, and both thresholds are on that scale.
 */
public record ScoringSettings(ScoringMethod method, double smoothingSigma, double mapSigma,
    double threshold, double pixelThreshold, PixelNormalization normalization) {

  public ScoringSettings(ScoringMethod method, double smoothingSigma, double mapSigma,
      double threshold, double pixelThreshold) {
    this(method, smoothingSigma, mapSigma, threshold, pixelThreshold, null);
  }

  public static final double DEFAULT_SIGMA = 1.0;
  public static final double DEFAULT_MAP_SIGMA = 2.0;

  /** From a calibration, with an optional threshold override (null = the calibration's). */
  public static ScoringSettings from(Calibration c, Double thresholdOverride, ScoringMethod methodOverride) {
    ScoringMethod method = methodOverride != null ? methodOverride : c.scoringMethod();
    if (method != c.scoringMethod() && thresholdOverride == null) {
      throw new IllegalArgumentException("the calibration's threshold is for " + c.method()
          + "; scoring with " + method.word() + " needs its own calibration or model.threshold");
    }
    // Normalization statistics describe one method's error maps; on another method's they are
    // numbers of the wrong kind (and of the wrong plane count), so they do not travel with it.
    if (method != c.scoringMethod() && c.normalization() != null) {
      throw new IllegalArgumentException("the calibration's per-pixel normalization is for " + c.method()
          + "; scoring with " + method.word() + " needs its own calibration");
    }
    return new ScoringSettings(method, c.smoothingSigma(), c.mapSigmaOrDefault(),
        thresholdOverride != null ? thresholdOverride : c.threshold(), c.pixelThreshold(),
        c.normalization());
  }

  /** Raw scores only: what {@code calibrate} uses before any threshold exists. */
  public static ScoringSettings uncalibrated(ScoringMethod method, double sigma, double mapSigma) {
    return new ScoringSettings(method, sigma, mapSigma, Double.NaN, Double.NaN, null);
  }

  /** The same settings, with the error map normalised per pixel. */
  public ScoringSettings withNormalization(PixelNormalization n) {
    return new ScoringSettings(method, smoothingSigma, mapSigma, threshold, pixelThreshold, n);
  }

  /** The same settings with another image threshold (a route's override); the pixel one stays. */
  public ScoringSettings withThreshold(double t) {
    return new ScoringSettings(method, smoothingSigma, mapSigma, t, pixelThreshold, normalization);
  }

  public boolean calibrated() {
    return !Double.isNaN(threshold);
  }
}
