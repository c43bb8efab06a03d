package io.caestream.scoring;

/**
 * One image's anomaly map with its ground truth, both {@code width*height}, row-major:
 * {@code mask[i] != 0} marks a defective pixel. Images of a set may differ in size.
 */
public record LabelledMap(float[] map, byte[] mask, int width, int height) {
  public LabelledMap {
    if (map.length != width * height || mask.length != width * height) {
      throw new IllegalArgumentException("map and mask must both be " + width + "x" + height);
    }
  }

  public int pixels() {
    return width * height;
  }

  /** Pixels the mask calls normal. */
  public int normalPixels() {
    int n = 0;
    for (byte b : mask) {
      n += b == 0 ? 1 : 0;
    }
    return n;
  }
}
