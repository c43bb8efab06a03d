package io.caestream.scoring;

/**
 * Per-pixel structural dissimilarity, 1 - SSIM (Wang et al. 2004), between an image and its
 * reconstruction, averaged over channels. SSIM compares local brightness, contrast and structure
 * in a Gaussian window and divides by the local contrast, so a busy texture that the autoencoder
 * reproduces only roughly costs little while a change of structure costs a lot, where squared
 * error is dominated by the grain.
 *
 * <p>Same numbers as {@code training/cae_training/ssim.py}: window sigma 1.5, radius 3 (7x7),
 * C1 = 0.01^2, C2 = 0.03^2 for values in [0, 1], edges replicated.
 */
public final class StructuralError {
  static final double SIGMA = 1.5;
  static final int RADIUS = 3;
  private static final float C1 = 0.01f * 0.01f;
  private static final float C2 = 0.03f * 0.03f;

  private final GaussianSmoother window = new GaussianSmoother(SIGMA, RADIUS);
  private final int width;
  private final int height;
  private final float[] xx;
  private final float[] yy;
  private final float[] xy;
  private final float[] muX;
  private final float[] muY;
  private final float[] sxx;
  private final float[] syy;
  private final float[] sxy;
  private final float[] tmp;

  /** Scratch for one image size; not thread-safe (one per thread). */
  public StructuralError(int width, int height) {
    this.width = width;
    this.height = height;
    int n = width * height;
    xx = new float[n];
    yy = new float[n];
    xy = new float[n];
    muX = new float[n];
    muY = new float[n];
    sxx = new float[n];
    syy = new float[n];
    sxy = new float[n];
    tmp = new float[n];
  }

  /**
   * Writes 1 - SSIM per pixel into {@code out} (width*height), averaged over the planar channels
   * of {@code input} and {@code recon}.
   */
  public void map(float[] input, float[] recon, int channels, float[] out) {
    int n = width * height;
    java.util.Arrays.fill(out, 0, n, 0f);
    for (int c = 0; c < channels; c++) {
      int o = c * n;
      for (int i = 0; i < n; i++) {
        float a = input[o + i];
        float b = recon[o + i];
        xx[i] = a * a;
        yy[i] = b * b;
        xy[i] = a * b;
      }
      window.smooth(input, o, width, height, tmp, muX);
      window.smooth(recon, o, width, height, tmp, muY);
      window.smooth(xx, 0, width, height, tmp, sxx);
      window.smooth(yy, 0, width, height, tmp, syy);
      window.smooth(xy, 0, width, height, tmp, sxy);
      for (int i = 0; i < n; i++) {
        float mx = muX[i];
        float my = muY[i];
        float vx = sxx[i] - mx * mx;
        float vy = syy[i] - my * my;
        float cov = sxy[i] - mx * my;
        float ssim = ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
        out[i] += 1f - ssim;
      }
    }
    if (channels > 1) {
      float inv = 1f / channels;
      for (int i = 0; i < n; i++) {
        out[i] *= inv;
      }
    }
  }
}
