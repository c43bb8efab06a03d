package io.caestream.image;

/**
 * The one resize of cae-stream, shared with training: PIL's {@code Image.resize(size,
 * Image.BILINEAR)} on float images, reproduced step for step. A triangle filter whose support
 * grows with the shrink factor, so shrinking averages every source pixel (antialiased) instead of
 * sampling two of them; growing is plain bilinear. Rows are resampled first, then columns; pixel
 * centres are aligned; at the edges the filter is cut and renormalised (no clamping). Training
 * ({@code training/cae_training/data.py}) resizes with PIL itself, so a model sees the same
 * numbers in both places.
 */
public final class Resize {
  private Resize() {}

  /** The weights of one axis: for output i, source pixels [start[i], start[i] + count[i]). */
  record Taps(int[] start, int[] count, double[] weights, int stride) {}

  /**
   * Resizes planar {@code channels x sh x sw} floats in {@code src} into {@code channels x dh x dw}
   * in {@code dst}; {@code tmp} holds at least {@code channels * sh * dw} floats.
   */
  public static void resize(float[] src, int sw, int sh, int channels, float[] dst, int dw, int dh,
      float[] tmp) {
    Taps across = taps(sw, dw);
    Taps down = taps(sh, dh);
    for (int c = 0; c < channels; c++) {
      horizontal(src, c * sw * sh, sw, sh, across, tmp, c * dw * sh, dw);
      vertical(tmp, c * dw * sh, dw, down, dst, c * dw * dh, dh);
    }
  }

  /** Floats of scratch {@link #resize} needs. */
  public static int scratchSize(int sw, int sh, int channels, int dw) {
    return channels * sh * dw;
  }

  /** PIL's precompute_coeffs for the bilinear (triangle, support 1) filter. */
  static Taps taps(int in, int out) {
    double scale = in / (double) out;
    double filterScale = Math.max(scale, 1.0);
    double support = 1.0 * filterScale;
    int stride = (int) Math.ceil(support) * 2 + 1;
    int[] start = new int[out];
    int[] count = new int[out];
    double[] weights = new double[out * stride];
    double ss = 1.0 / filterScale;
    for (int i = 0; i < out; i++) {
      double center = (i + 0.5) * scale;
      int xmin = Math.max((int) (center - support + 0.5), 0);
      int xmax = Math.min((int) (center + support + 0.5), in) - xmin;
      double total = 0;
      for (int x = 0; x < xmax; x++) {
        double w = triangle((x + xmin - center + 0.5) * ss);
        weights[i * stride + x] = w;
        total += w;
      }
      if (total != 0) {
        for (int x = 0; x < xmax; x++) {
          weights[i * stride + x] /= total;
        }
      }
      start[i] = xmin;
      count[i] = xmax;
    }
    return new Taps(start, count, weights, stride);
  }

  private static double triangle(double x) {
    double a = Math.abs(x);
    return a < 1.0 ? 1.0 - a : 0.0;
  }

  private static void horizontal(float[] src, int srcOffset, int sw, int sh, Taps t, float[] out,
      int outOffset, int dw) {
    for (int y = 0; y < sh; y++) {
      int row = srcOffset + y * sw;
      int o = outOffset + y * dw;
      for (int x = 0; x < dw; x++) {
        double acc = 0;
        int base = x * t.stride();
        int s = row + t.start()[x];
        for (int k = 0; k < t.count()[x]; k++) {
          acc += src[s + k] * t.weights()[base + k];
        }
        out[o + x] = (float) acc;
      }
    }
  }

  private static void vertical(float[] src, int srcOffset, int w, Taps t, float[] out,
      int outOffset, int dh) {
    for (int y = 0; y < dh; y++) {
      int base = y * t.stride();
      int first = t.start()[y];
      int n = t.count()[y];
      int o = outOffset + y * w;
      for (int x = 0; x < w; x++) {
        double acc = 0;
        for (int k = 0; k < n; k++) {
          acc += src[srcOffset + (first + k) * w + x] * t.weights()[base + k];
        }
        out[o + x] = (float) acc;
      }
    }
  }
}
