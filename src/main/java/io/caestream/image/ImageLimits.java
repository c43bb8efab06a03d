package io.caestream.image;

/** Hard limits checked before any pixel is allocated, and how other sizes fit the model. */
public record ImageLimits(int maxBytes, long maxPixels, ImageFit fit) {
  public static final ImageLimits DEFAULT = new ImageLimits(16 << 20, 16L << 20, ImageFit.RESIZE);

  public ImageLimits withFit(ImageFit other) {
    return new ImageLimits(maxBytes, maxPixels, other);
  }
}
