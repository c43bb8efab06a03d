package io.caestream.scoring;

/**
 * An image's anomaly map, row-major: the frame's pixels when tiling, the model input's when the
 * image was resized. Values are on the scale of the pixel threshold (z-scores when the
 * calibration normalises per pixel).
 */
public record AnomalyMap(float[] values, int width, int height) {
  public AnomalyMap {
    if (values.length != width * height) {
      throw new IllegalArgumentException("map must hold " + width + "x" + height + " values");
    }
  }

  /**
   * 8-bit grey levels for people: 0 for normal and below, 128 at {@code pixelThreshold}, 255 at
   * twice it and above. Maps larger than {@code maxSide} on their longer side are shrunk first,
   * so a heatmap of a 20-megapixel frame stays small.
   */
  public Grey toGrey(double pixelThreshold, int maxSide) {
    int w = width;
    int h = height;
    float[] v = values;
    if (Math.max(w, h) > maxSide) {
      double f = maxSide / (double) Math.max(w, h);
      int nw = Math.max(1, (int) Math.round(w * f));
      int nh = Math.max(1, (int) Math.round(h * f));
      float[] src = values.clone();
      for (int i = 0; i < src.length; i++) {
        if (!Float.isFinite(src[i])) {
          src[i] = 0;
        }
      }
      float[] out = new float[nw * nh];
      io.caestream.image.Resize.resize(src, w, h, 1, out, nw, nh,
          new float[io.caestream.image.Resize.scratchSize(w, h, 1, nw)]);
      v = out;
      w = nw;
      h = nh;
    }
    byte[] grey = new byte[w * h];
    double scale = 128.0 / pixelThreshold;
    for (int i = 0; i < grey.length; i++) {
      double g = Float.isFinite(v[i]) && v[i] > 0 ? v[i] * scale : 0;
      grey[i] = (byte) Math.min(255, Math.max(0, Math.round(g)));
    }
    return new Grey(grey, w, h);
  }

  /** 8-bit grey pixels, row-major. */
  public record Grey(byte[] pixels, int width, int height) {}
}
