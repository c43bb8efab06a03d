package io.caestream.scoring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * AUPRO, the per-region overlap metric of MVTec AD (Bergmann et al., IJCV 2021): for a threshold
 * on the anomaly map, each connected defect region (8-connected, per image) scores the share of
 * its pixels above the threshold; PRO is the mean over all regions, so a small scratch counts as
 * much as a large stain, unlike pixel AUROC. PRO is integrated over the false-positive rate of
 * normal pixels from 0 to {@code maxFpr} (0.3 in the paper) and divided by {@code maxFpr}, so 1
 * is perfect.
 *
 * <p>The curve is sampled at {@value #STEPS} evenly spaced false-positive rates; the threshold for
 * rate f is the (1 - f) quantile of the normal pixels' values.
 */
public final class RegionOverlap {
  static final int STEPS = 300;
  public static final double MVTEC_MAX_FPR = 0.3;

  private RegionOverlap() {}

  /**
   * @param images anomaly maps with their ground truth; a good image's mask is all zero
   * @return AUPRO in [0, 1], NaN when there is no defect region or no normal pixel
   */
  public static double aupro(List<LabelledMap> images, double maxFpr) {
    if (!(maxFpr > 0 && maxFpr <= 1)) {
      throw new IllegalArgumentException("maxFpr must be in (0, 1], got " + maxFpr);
    }
    long normalCount = 0;
    int largest = 0;
    for (LabelledMap m : images) {
      normalCount += m.normalPixels();
      largest = Math.max(largest, m.pixels());
    }
    if (normalCount == 0 || normalCount > Integer.MAX_VALUE - 8) {
      return Double.NaN;
    }
    float[] normal = new float[(int) normalCount];
    List<float[]> regions = new ArrayList<>();
    int[] label = new int[largest];
    int[] stack = new int[largest];
    int k = 0;
    for (LabelledMap m : images) {
      for (int i = 0; i < m.pixels(); i++) {
        if (m.mask()[i] == 0) {
          normal[k++] = m.map()[i];
        }
      }
      regions.addAll(regionValues(m.map(), m.mask(), m.width(), m.height(), label, stack));
    }
    if (regions.isEmpty()) {
      return Double.NaN;
    }
    Arrays.sort(normal);
    double area = 0;
    double previousPro = pro(regions, normal[normal.length - 1]);
    double previousFpr = 0;
    for (int s = 1; s <= STEPS; s++) {
      double fpr = maxFpr * s / STEPS;
      int q = (int) Math.floor((1 - fpr) * (normal.length - 1));
      double pro = pro(regions, normal[Math.max(0, q)]);
      area += (fpr - previousFpr) * (pro + previousPro) / 2;
      previousPro = pro;
      previousFpr = fpr;
    }
    return area / maxFpr;
  }

  /** Mean over regions of the share of their pixels strictly above the threshold. */
  private static double pro(List<float[]> regions, float threshold) {
    double sum = 0;
    for (float[] sorted : regions) {
      int above = sorted.length - upperBound(sorted, threshold);
      sum += above / (double) sorted.length;
    }
    return sum / regions.size();
  }

  /** First index whose value is greater than {@code t}. */
  private static int upperBound(float[] sorted, float t) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The sorted map values of each 8-connected region of the mask. */
  static List<float[]> regionValues(float[] map, byte[] mask, int width, int height, int[] label,
      int[] stack) {
    int pixels = width * height;
    Arrays.fill(label, 0, pixels, 0);
    List<float[]> out = new ArrayList<>();
    int next = 0;
    for (int seed = 0; seed < pixels; seed++) {
      if (mask[seed] == 0 || label[seed] != 0) {
        continue;
      }
      next++;
      int top = 0;
      int size = 0;
      stack[top++] = seed;
      label[seed] = next;
      float[] values = new float[16];
      while (top > 0) {
        int p = stack[--top];
        if (size == values.length) {
          values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = map[p];
        int px = p % width;
        int py = p / width;
        for (int dy = -1; dy <= 1; dy++) {
          int ny = py + dy;
          if (ny < 0 || ny >= height) {
            continue;
          }
          for (int dx = -1; dx <= 1; dx++) {
            int nx = px + dx;
            if (nx < 0 || nx >= width) {
              continue;
            }
            int q = ny * width + nx;
            if (mask[q] != 0 && label[q] == 0) {
              label[q] = next;
              stack[top++] = q;
            }
          }
        }
      }
      float[] sorted = Arrays.copyOf(values, size);
      Arrays.sort(sorted);
      out.add(sorted);
    }
    return out;
  }
}
