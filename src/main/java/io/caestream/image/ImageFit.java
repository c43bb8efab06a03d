package io.caestream.image;

import java.util.Locale;

/** How an image whose size differs from the model input is fitted to it ({@code image.fit}). */
public enum ImageFit {
  /**
   * Shrink or grow the whole image to the model input ({@link Resize}, as in training). Cheap, but
   * a defect a few pixels wide on a large frame shrinks to nothing.
   */
  RESIZE,
  /**
   * The model input is a tile: the frame is cut into overlapping tiles at full resolution, each
   * is reconstructed, and the error maps are stitched into one map of the frame.
   */
  TILE,
  /** Refuse it: dead letter {@code bad-dimensions}. */
  REJECT;

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ImageFit of(String word) {
    for (ImageFit f : values()) {
      if (f.word().equals(word.trim().toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown image.fit '" + word + "' (resize, tile, reject)");
  }
}
