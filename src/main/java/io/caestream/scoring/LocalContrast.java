package io.caestream.scoring;

import java.util.Arrays;

/**
 * Per-pixel local contrast mismatch between an image and its reconstruction, averaged over
 * channels: the squared log ratio of their local standard deviations in a Gaussian window
 * (sigma 2), {@code ln((s_in + e) / (s_rec + e))^2} with {@code e = 0.01}.
 *
 * <p>Why: an autoencoder's reconstruction of a stochastic surface is a smoothed copy whose local
 * contrast is a steady fraction of the input's. A stain, a hole, a patch of smoother or rougher
 * material changes the input's contrast while the reconstruction, which repairs it, keeps the
 * normal one, so the ratio leaves its usual value there even when the grey values barely move.
 * The log makes a patch that lost half its contrast and one that doubled it count alike.
 */
public final class LocalContrast {
  static final double SIGMA = 2.0;
  static final float EPSILON = 0.01f;

  private final GaussianSmoother window = new GaussianSmoother(SIGMA);
  private final int width;
  private final int height;
  private final float[] sq;
  private final float[] mean;
  private final float[] meanSq;
  private final float[] stdIn;
  private final float[] stdRec;
  private final float[] pass;

  /** Scratch for one image size; not thread-safe (one per thread). */
  public LocalContrast(int width, int height) {
    this.width = width;
    this.height = height;
    int n = width * height;
    sq = new float[n];
    mean = new float[n];
    meanSq = new float[n];
    stdIn = new float[n];
    stdRec = new float[n];
    pass = new float[n];
  }

  /** Writes the mismatch per pixel into {@code out} (width*height). */
  public void map(float[] input, float[] recon, int channels, float[] out) {
    int n = width * height;
    Arrays.fill(out, 0, n, 0f);
    for (int c = 0; c < channels; c++) {
      localStd(input, c * n, stdIn);
      localStd(recon, c * n, stdRec);
      for (int i = 0; i < n; i++) {
        float r = (float) Math.log((stdIn[i] + EPSILON) / (stdRec[i] + EPSILON));
        out[i] += r * r;
      }
    }
    if (channels > 1) {
      float inv = 1f / channels;
      for (int i = 0; i < n; i++) {
        out[i] *= inv;
      }
    }
  }

  /** Local standard deviation of the plane at {@code offset}, into {@code dst}. */
  private void localStd(float[] src, int offset, float[] dst) {
    int n = width * height;
    for (int i = 0; i < n; i++) {
      float v = src[offset + i];
      sq[i] = v * v;
    }
    window.smooth(src, offset, width, height, pass, mean);
    window.smooth(sq, 0, width, height, pass, meanSq);
    for (int i = 0; i < n; i++) {
      float m = mean[i];
      dst[i] = (float) Math.sqrt(Math.max(0f, meanSq[i] - m * m));
    }
  }
}
