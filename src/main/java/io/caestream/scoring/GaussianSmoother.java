package io.caestream.scoring;

/**
 * Separable Gaussian blur with edge clamping. Smoothing the error map turns isolated noisy pixels
 * into low values while a defect, a compact area of high error, keeps its height. The kernel is
 * made once; callers pass their own scratch arrays.
 */
public final class GaussianSmoother {
  private final float[] kernel;
  private final int radius;

  /** A kernel of radius ceil(3 sigma). */
  public GaussianSmoother(double sigma) {
    this(sigma, Math.max(1, (int) Math.ceil(3 * sigma)));
  }

  /** A kernel truncated at {@code radius} (SSIM's window is 7x7 at sigma 1.5) and renormalised. */
  public GaussianSmoother(double sigma, int radius) {
    if (!(sigma > 0) || radius < 1) {
      throw new IllegalArgumentException("sigma and radius must be positive");
    }
    this.radius = radius;
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
    smooth(src, 0, width, height, tmp, dst);
  }

  /** As {@link #smooth(float[], int, int, float[], float[])} for the plane at {@code offset} of {@code src}. */
  public void smooth(float[] src, int offset, int width, int height, float[] tmp, float[] dst) {
    horizontal(src, offset, width, height, tmp);
    vertical(tmp, width, height, dst);
  }

  /**
   * Each row is copied into a padded line whose ends repeat the edge pixels (clamping without a
   * branch per tap), then blurred tap by tap along the row. The kernel is symmetric, so taps at
   * distance j share one multiply: k0*s[x] + sum_j k_j*(s[x-j] + s[x+j]).
   */
  private void horizontal(float[] src, int offset, int width, int height, float[] out) {
    int r = radius;
    float[] k = kernel;
    float[] line = PADDED.get();
    if (line.length < width + 2 * r) {
      line = new float[width + 2 * r];
      PADDED.set(line);
    }
    for (int y = 0; y < height; y++) {
      int row = y * width;
      int in = offset + row;
      System.arraycopy(src, in, line, r, width);
      java.util.Arrays.fill(line, 0, r, src[in]);
      java.util.Arrays.fill(line, r + width, 2 * r + width, src[in + width - 1]);
      float k0 = k[r];
      for (int x = 0; x < width; x++) {
        out[row + x] = k0 * line[x + r];
      }
      for (int j = 1; j <= r; j++) {
        float w = k[r + j];
        int lo = r - j;
        int hi = r + j;
        for (int x = 0; x < width; x++) {
          out[row + x] += w * (line[lo + x] + line[hi + x]);
        }
      }
    }
  }

  private static final ThreadLocal<float[]> PADDED = ThreadLocal.withInitial(() -> new float[0]);

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
