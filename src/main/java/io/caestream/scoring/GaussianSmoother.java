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
    int r = radius;
    float[] k = kernel;
    for (int y = 0; y < height; y++) {
      int row = y * width;
      for (int x = 0; x < width; x++) {
        float acc = 0;
        if (x >= r && x < width - r) {
          int base = row + x - r;
          for (int j = 0; j < k.length; j++) {
            acc += k[j] * src[base + j];
          }
        } else {
          for (int j = -r; j <= r; j++) {
            int xx = Math.min(width - 1, Math.max(0, x + j));
            acc += k[j + r] * src[row + xx];
          }
        }
        tmp[row + x] = acc;
      }
    }
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        float acc = 0;
        for (int j = -r; j <= r; j++) {
          int yy = Math.min(height - 1, Math.max(0, y + j));
          acc += k[j + r] * tmp[yy * width + x];
        }
        dst[y * width + x] = acc;
      }
    }
  }
}
