package io.caestream.image;

/** Hard limits checked before any pixel is allocated, and whether to resize to the model. */
public record ImageLimits(int maxBytes, long maxPixels, boolean resize) {
  public static final ImageLimits DEFAULT = new ImageLimits(16 << 20, 16L << 20, true);
}
