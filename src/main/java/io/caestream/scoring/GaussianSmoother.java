package io.caestream.scoring;

/**
 * Separable Gaussian blur with edge clamping. Smoothing the error map turns isolated noisy pixels
 * into low values while a defect, a compact area of high error, keeps its height. The kernel is
 * made once; callers pass their own scratch arrays.
 */
public final class GaussianSmoother {
  private final float[] kernel;
  private final int radius;

  public GaussianSmoother(double sigma) {
    if (!(sigma > 0)) {
      throw new IllegalArgumentException("sigma must be positive");
    }
    radius = Math.max(1, (int) Math.ceil(3 * sigma));
    kernel = new float[2 * radius + 1];
    double sum = 0;
    for (int i = -radius; i <= radius; i++) {
      sum += Math.exp(-(i * i) / (2 * sigma * sigma));
    }
    for (int i = -radius; i <= radius; i++) {
      kernel[i + radius] = (float) (Math.exp(-(i * i) / (2 * sigma * sigma)) / sum);
    }
  }

  /** Blurs {@code src} (width x height) into {@code dst}, using {@code tmp} (same size) between passes. */
  public void smooth(float[] src, int width, int height, float[] tmp, float[] dst) {
    horizontal(src, width, height, tmp);
    vertical(tmp, width, height, dst);
  }

  /**
   * The kernel is symmetric, so each pair of taps at distance j shares one multiply:
   * k0*s[x] + sum_j k_j*(s[x-j] + s[x+j]). Border columns clamp to the edge.
   */
  private void horizontal(float[] src, int width, int height, float[] out) {
    int r = radius;
    float[] k = kernel;
    float k0 = k[r];
    int lo = Math.min(r, width);
    int hi = Math.max(lo, width - r);
    for (int y = 0; y < height; y++) {
      int row = y * width;
      for (int x = lo; x < hi; x++) {
        int c = row + x;
        float acc = k0 * src[c];
        for (int j = 1; j <= r; j++) {
          acc += k[r + j] * (src[c - j] + src[c + j]);
        }
        out[c] = acc;
      }
      for (int x = 0; x < lo; x++) {
        out[row + x] = clampedTap(src, row, x, width, k, r);
      }
      for (int x = hi; x < width; x++) {
        out[row + x] = clampedTap(src, row, x, width, k, r);
      }
    }
  }

  private static float clampedTap(float[] src, int row, int x, int width, float[] k, int r) {
    float acc = 0;
    for (int j = -r; j <= r; j++) {
      acc += k[j + r] * src[row + Math.min(width - 1, Math.max(0, x + j))];
    }
    return acc;
  }

  /** Same pairing down the columns; rows are clamped, so no border case in the inner loop. */
  private void vertical(float[] src, int width, int height, float[] out) {
    int r = radius;
    float[] k = kernel;
    float k0 = k[r];
    int last = height - 1;
    for (int y = 0; y < height; y++) {
      int o = y * width;
      for (int x = 0; x < width; x++) {
        out[o + x] = k0 * src[o + x];
      }
      for (int j = 1; j <= r; j++) {
        int up = Math.max(0, y - j) * width;
        int down = Math.min(last, y + j) * width;
        float w = k[r + j];
        for (int x = 0; x < width; x++) {
          out[o + x] += w * (src[up + x] + src[down + x]);
        }
      }
    }
  }
}
