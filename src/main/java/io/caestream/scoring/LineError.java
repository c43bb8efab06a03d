package io.caestream.scoring;

/**
 * Per-pixel oriented line energy of the residual (input - reconstruction, averaged over
 * channels): the residual averaged along a 15-pixel line through the pixel, minus its mean over
 * the 15x15 square around it, squared, and the largest of 8 orientations.
 *
 * <p>On photographed surfaces the autoencoder never reproduces the grain exactly, so the squared
 * error of single pixels is a field of noise in which a faint scratch or the edge of a pasted
 * patch drowns. Averaging the signed residual along a line cancels that noise (it has no
 * direction) and keeps what lies along the line; subtracting the local mean keeps a brightness
 * offset of the whole neighbourhood (lighting) from counting. Measured on the texture benchmark
 * with the same models: diamond plate image AUROC 0.93 -> 0.98, concrete pixel AUROC 0.83 -> 0.88.
 *
 * <p>The line kernels are sampled bilinearly (60 points per line, weights summing to one); lines
 * drawn with whole pixels are jagged and lost half the gain. Edges are replicated.
 */
public final class LineError {
  /** Line length in pixels (odd). */
  static final int LENGTH = 15;
  /** Orientations, evenly spaced over 180 degrees. */
  static final int ORIENTATIONS = 8;
  private static final int RADIUS = LENGTH / 2;
  private static final int SAMPLES = 4 * LENGTH;

  private final int width;
  private final int height;
  private final int stride;
  private final float[] padded;
  private final float[] rowSums;
  private final float[] acc;
  private final float[] best;
  private final int[][] offsets;
  private final float[][] weights;

  /** Scratch for one image size; not thread-safe (one per thread). */
  public LineError(int width, int height) {
    this.width = width;
    this.height = height;
    stride = width + 2 * RADIUS;
    padded = new float[stride * (height + 2 * RADIUS)];
    rowSums = new float[width * (height + 2 * RADIUS)];
    acc = new float[width];
    best = new float[width];
    offsets = new int[ORIENTATIONS][];
    weights = new float[ORIENTATIONS][];
    for (int o = 0; o < ORIENTATIONS; o++) {
      float[] kernel = kernel(Math.PI * o / ORIENTATIONS);
      int taps = 0;
      for (float w : kernel) {
        taps += w > 0 ? 1 : 0;
      }
      offsets[o] = new int[taps];
      weights[o] = new float[taps];
      int t = 0;
      int side = 2 * RADIUS + 1;
      for (int i = 0; i < kernel.length; i++) {
        if (kernel[i] > 0) {
          // relative to the kernel's centre, in the padded image's coordinates
          offsets[o][t] = (i / side - RADIUS) * stride + (i % side - RADIUS);
          weights[o][t++] = kernel[i];
        }
      }
    }
  }

  /** A (2R+1)^2 kernel: a line through the centre at {@code angle}, splatted bilinearly, sum 1. */
  static float[] kernel(double angle) {
    int side = 2 * RADIUS + 1;
    double[] k = new double[side * side];
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    for (int j = 0; j < SAMPLES; j++) {
      double t = -RADIUS + 2.0 * RADIUS * j / (SAMPLES - 1);
      double x = RADIUS + t * cos;
      double y = RADIUS + t * sin;
      int x0 = (int) Math.floor(x);
      int y0 = (int) Math.floor(y);
      double fx = x - x0;
      double fy = y - y0;
      splat(k, side, x0, y0, (1 - fx) * (1 - fy));
      splat(k, side, x0 + 1, y0, fx * (1 - fy));
      splat(k, side, x0, y0 + 1, (1 - fx) * fy);
      splat(k, side, x0 + 1, y0 + 1, fx * fy);
    }
    double sum = 0;
    for (double v : k) {
      sum += v;
    }
    float[] out = new float[k.length];
    for (int i = 0; i < k.length; i++) {
      // weights of a few 1e-17 where a line passes exactly through a pixel row carry nothing
      out[i] = k[i] > 1e-9 ? (float) (k[i] / sum) : 0f;
    }
    return out;
  }

  private static void splat(double[] k, int side, int x, int y, double w) {
    if (x >= 0 && x < side && y >= 0 && y < side) {
      k[y * side + x] += w;
    }
  }

  /** Writes the line energy per pixel into {@code out} (width*height). */
  public void map(float[] input, float[] recon, int channels, float[] out) {
    residual(input, recon, channels);
    boxMeans(out);
    // Row by row, tap by tap: each tap is one multiply-add along a contiguous row, which the JIT
    // vectorizes (a loop over taps per pixel ran 3x slower).
    for (int y = 0; y < height; y++) {
      int centre = (y + RADIUS) * stride + RADIUS;
      int row = y * width;
      java.util.Arrays.fill(best, 0f);
      for (int o = 0; o < ORIENTATIONS; o++) {
        int[] off = offsets[o];
        float[] w = weights[o];
        java.util.Arrays.fill(acc, 0f);
        for (int t = 0; t < off.length; t++) {
          float wt = w[t];
          int from = centre + off[t];
          for (int x = 0; x < width; x++) {
            acc[x] += wt * padded[from + x];
          }
        }
        for (int x = 0; x < width; x++) {
          float d = acc[x] - out[row + x];
          best[x] = Math.max(best[x], d * d);
        }
      }
      System.arraycopy(best, 0, out, row, width);
    }
  }

  /** The channel-averaged signed residual into the padded buffer, edges repeated. */
  private void residual(float[] input, float[] recon, int channels) {
    int n = width * height;
    float inv = 1f / channels;
    for (int y = 0; y < height; y++) {
      int dst = (y + RADIUS) * stride + RADIUS;
      for (int x = 0; x < width; x++) {
        int i = y * width + x;
        float d = 0;
        for (int c = 0; c < channels; c++) {
          d += input[c * n + i] - recon[c * n + i];
        }
        padded[dst + x] = d * inv;
      }
      java.util.Arrays.fill(padded, dst - RADIUS, dst, padded[dst]);
      java.util.Arrays.fill(padded, dst + width, dst + width + RADIUS, padded[dst + width - 1]);
    }
    int first = RADIUS * stride;
    int last = (RADIUS + height - 1) * stride;
    for (int r = 0; r < RADIUS; r++) {
      System.arraycopy(padded, first, padded, r * stride, stride);
      System.arraycopy(padded, last, padded, (RADIUS + height + r) * stride, stride);
    }
  }

  /** Mean of the padded residual over the (2R+1)^2 square around each pixel, into {@code out}. */
  private void boxMeans(float[] out) {
    int side = 2 * RADIUS + 1;
    int rows = height + 2 * RADIUS;
    for (int y = 0; y < rows; y++) {
      int p = y * stride;
      float s = 0;
      for (int i = 0; i < side; i++) {
        s += padded[p + i];
      }
      rowSums[y * width] = s;
      for (int x = 1; x < width; x++) {
        s += padded[p + x + side - 1] - padded[p + x - 1];
        rowSums[y * width + x] = s;
      }
    }
    float inv = 1f / (side * side);
    for (int x = 0; x < width; x++) {
      float s = 0;
      for (int i = 0; i < side; i++) {
        s += rowSums[i * width + x];
      }
      out[x] = s * inv;
      for (int y = 1; y < height; y++) {
        s += rowSums[(y + side - 1) * width + x] - rowSums[(y - 1) * width + x];
        out[y * width + x] = s * inv;
      }
    }
  }
}
