package io.caestream.image;

/** Bilinear resampling of planar float images, pixel centres aligned (as OpenCV and PIL do). */
final class Resize {
  private Resize() {}

  static void bilinear(float[] src, int sw, int sh, int channels, float[] dst, int dw, int dh) {
    float sx = sw / (float) dw;
    float sy = sh / (float) dh;
    int srcPlane = sw * sh;
    int dstPlane = dw * dh;
    for (int y = 0; y < dh; y++) {
      float fy = Math.max(0f, (y + 0.5f) * sy - 0.5f);
      int y0 = Math.min((int) fy, sh - 1);
      int y1 = Math.min(y0 + 1, sh - 1);
      float wy = fy - y0;
      for (int x = 0; x < dw; x++) {
        float fx = Math.max(0f, (x + 0.5f) * sx - 0.5f);
        int x0 = Math.min((int) fx, sw - 1);
        int x1 = Math.min(x0 + 1, sw - 1);
        float wx = fx - x0;
        for (int c = 0; c < channels; c++) {
          int o = c * srcPlane;
          float top = src[o + y0 * sw + x0] * (1 - wx) + src[o + y0 * sw + x1] * wx;
          float bottom = src[o + y1 * sw + x0] * (1 - wx) + src[o + y1 * sw + x1] * wx;
          dst[c * dstPlane + y * dw + x] = top * (1 - wy) + bottom * wy;
        }
      }
    }
  }
}
