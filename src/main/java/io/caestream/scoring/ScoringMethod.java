package io.caestream.scoring;

import java.util.Locale;

/** How one number is made from an image and its reconstruction: which error map, reduced how. */
public enum ScoringMethod {
  /** Mean squared error over the image: the classic CAE score; blind to small defects. */
  MSE("mse", ErrorKind.SQUARED, false),
  /**
   * Maximum of the Gaussian-smoothed squared-error map: a compact defect of a few pixels
   * dominates the score instead of being averaged away by thousands of well-reconstructed pixels.
   */
  SMOOTH_MAX("smooth-max", ErrorKind.SQUARED, true),
  /**
   * Maximum of the smoothed structural dissimilarity map, 1 - SSIM ({@link StructuralError}):
   * local contrast and structure rather than grey values.
   */
  SSIM("ssim", ErrorKind.STRUCTURAL, true),
  /**
   * Maximum of the smoothed oriented line energy of the residual ({@link LineError}): the
   * residual averaged along short lines, so the grain of a photographed surface cancels and
   * scratches, cracks and the edges of foreign patches stand out.
   */
  LINE("line", ErrorKind.LINE, true);

  /** The per-pixel comparison of input and reconstruction. */
  public enum ErrorKind {
    /** (input - reconstruction)^2, averaged over channels. */
    SQUARED,
    /** 1 - SSIM in a 7x7 Gaussian window, averaged over channels. */
    STRUCTURAL,
    /** Largest squared line mean of the signed residual over 8 orientations, less its local mean. */
    LINE
  }

  private final String word;
  private final ErrorKind kind;
  private final boolean peak;

  ScoringMethod(String word, ErrorKind kind, boolean peak) {
    this.word = word;
    this.kind = kind;
    this.peak = peak;
  }

  public String word() {
    return word;
  }

  public ErrorKind kind() {
    return kind;
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
    throw new IllegalArgumentException("unknown scoring method '" + word + "' (mse, smooth-max, ssim, line)");
  }
}
