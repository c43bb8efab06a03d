package io.caestream.scoring;

import java.util.List;
import java.util.Locale;

/** How one number is made from an image and its reconstruction: which error map, reduced how. */
public enum ScoringMethod {
  /** Mean squared error over the image: the classic CAE score; blind to small defects. */
  MSE("mse", false, ErrorKind.SQUARED),
  /**
   * Maximum of the Gaussian-smoothed squared-error map: a compact defect of a few pixels
   * dominates the score instead of being averaged away by thousands of well-reconstructed pixels.
   */
  SMOOTH_MAX("smooth-max", true, ErrorKind.SQUARED),
  /**
   * Maximum of the smoothed structural dissimilarity map, 1 - SSIM ({@link StructuralError}):
   * local contrast and structure rather than grey values.
   */
  SSIM("ssim", true, ErrorKind.STRUCTURAL),
  /**
   * Maximum of the smoothed oriented line energy of the residual ({@link LineError}): the
   * residual averaged along short lines, so the grain of a photographed surface cancels and
   * scratches, cracks and the edges of foreign patches stand out.
   */
  LINE("line", true, ErrorKind.LINE),
  /**
   * Maximum of the smoothed local contrast mismatch ({@link LocalContrast}): for stochastic
   * surfaces (concrete, stone, rusted and brushed metal), where the grain is never reproduced.
   */
  CONTRAST("contrast", true, ErrorKind.CONTRAST),
  /**
   * Line energy and local contrast mismatch, each turned into per-pixel z-scores by the
   * calibration and then added, so neither one's units decide; smoothed, maximum. The default of
   * {@code calibrate}: on the texture benchmark it has the best mean over regular and stochastic
   * surfaces, within 0.08 of the better single method on each.
   */
  LINE_CONTRAST("line+contrast", true, ErrorKind.LINE, ErrorKind.CONTRAST);

  /** What {@code calibrate} uses for a model that has no calibration yet and no method given. */
  public static final ScoringMethod CALIBRATE_DEFAULT = LINE_CONTRAST;

  /** A per-pixel comparison of input and reconstruction: one plane of a method's error map. */
  public enum ErrorKind {
    /** (input - reconstruction)^2, averaged over channels. */
    SQUARED,
    /** 1 - SSIM in a 7x7 Gaussian window, averaged over channels. */
    STRUCTURAL,
    /** Largest squared line mean of the signed residual over 8 orientations, less its local mean. */
    LINE,
    /** Squared log ratio of the local standard deviations (Gaussian window, sigma 2). */
    CONTRAST
  }

  private final String word;
  private final List<ErrorKind> planes;
  private final boolean peak;

  ScoringMethod(String word, boolean peak, ErrorKind... planes) {
    this.word = word;
    this.planes = List.of(planes);
    this.peak = peak;
  }

  public String word() {
    return word;
  }

  /**
   * The error maps this method compares with, in order; several are normalised one by one and
   * then added into the map that is scored.
   */
  public List<ErrorKind> planes() {
    return planes;
  }

  /** Whether the score is the peak of the smoothed map (else its mean). */
  public boolean peak() {
    return peak;
  }

  public static ScoringMethod of(String word) {
    for (ScoringMethod m : values()) {
      if (m.word.equals(word.trim().toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown scoring method '" + word + "' ("
        + String.join(", ", java.util.Arrays.stream(values()).map(ScoringMethod::word).toList()) + ")");
  }
}
