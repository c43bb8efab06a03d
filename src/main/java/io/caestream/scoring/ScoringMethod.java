package io.caestream.scoring;

import java.util.Locale;

/** How one number is made from the per-pixel error map. */
public enum ScoringMethod {
  /** Mean squared error over the image: the classic CAE score; blind to small defects. */
  MSE("mse"),
  /**
   * Maximum of the Gaussian-smoothed error map: a compact defect of a few pixels dominates the
   * score instead of being averaged away by thousands of well-reconstructed pixels.
   */
  SMOOTH_MAX("smooth-max");

  private final String word;

  ScoringMethod(String word) {
    this.word = word;
  }

  public String word() {
    return word;
  }

  public static ScoringMethod of(String word) {
    for (ScoringMethod m : values()) {
      if (m.word.equals(word.trim().toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown scoring method '" + word + "' (mse, smooth-max)");
  }
}
