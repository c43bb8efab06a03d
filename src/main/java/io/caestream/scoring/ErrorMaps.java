package io.caestream.scoring;

/**
 * The per-pixel arithmetic of scoring, in plain loops over primitive arrays (these run once per
 * image on the hot path, so no streams, boxing or allocation).
 */
public final class ErrorMaps {
  private ErrorMaps() {}

  /** Squared error per pixel, averaged over channels, into {@code map} (height*width). */
  public static void squaredError(float[] input, float[] recon, int channels, int pixels, float[] map) {
    if (channels == 1) {
      for (int i = 0; i < pixels; i++) {
        float d = input[i] - recon[i];
        map[i] = d * d;
      }
      return;
    }
    float inv = 1f / channels;
    for (int i = 0; i < pixels; i++) {
      float acc = 0;
      for (int c = 0; c < channels; c++) {
        float d = input[c * pixels + i] - recon[c * pixels + i];
        acc += d * d;
      }
      map[i] = acc * inv;
    }
  }

  public static double mean(float[] a, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += a[i];
    }
    return s / n;
  }

  /** Index of the largest value. */
  public static int argMax(float[] a, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (a[i] > a[best]) {
        best = i;
      }
    }
    return best;
  }
}
