package io.caestream.scoring;

import java.util.Arrays;
import java.util.function.IntPredicate;

/** Threshold-free and at-threshold detection metrics over (score, label) pairs. */
public final class RankMetrics {
  private RankMetrics() {}

  /**
   * Area under the ROC curve via the Mann-Whitney U statistic, ties counted half; NaN when one
   * class is missing.
   */
  public static double auroc(double[] scores, boolean[] positive) {
    Integer[] order = sortedIndices(scores);
    return aurocOfSorted(scores.length, k -> scores[order[k]] == scores[order[k + 1]], k -> positive[order[k]]);
  }

  /** AUROC for float scores with byte labels, without boxing (pixel-level: millions of values). */
  public static double auroc(float[] scores, byte[] positive, int n) {
    long[] keyed = new long[n];
    for (int i = 0; i < n; i++) {
      // Sortable key: float bits ordered as signed ints for non-negative values, label in the low bit.
      int bits = Float.floatToIntBits(Math.max(0f, scores[i]));
      keyed[i] = ((long) bits << 1) | (positive[i] != 0 ? 1 : 0);
    }
    Arrays.sort(keyed);
    return aurocOfSorted(n, k -> (keyed[k] >>> 1) == (keyed[k + 1] >>> 1), k -> (keyed[k] & 1) == 1);
  }

  /**
   * The one Mann-Whitney tie loop both AUROCs share: the values are seen in ascending order
   * (position k), each run of tied values gets the mean of its ranks.
   *
   * @param tiedWithNext whether the value at k equals the one at k + 1 (k + 1 &lt; n)
   * @param positiveAt whether the value at k is a positive
   */
  private static double aurocOfSorted(int n, IntPredicate tiedWithNext, IntPredicate positiveAt) {
    long pos = 0;
    double rankSum = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && tiedWithNext.test(j)) {
        j++;
      }
      double avg = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (positiveAt.test(k)) {
          pos++;
          rankSum += avg;
        }
      }
      i = j + 1;
    }
    long neg = n - pos;
    if (pos == 0 || neg == 0) {
      return Double.NaN;
    }
    return (rankSum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
  }

  /** Average precision (area under the precision-recall curve, step-wise). */
  public static double averagePrecision(double[] scores, boolean[] positive) {
    Integer[] order = sortedIndices(scores);
    long totalPos = 0;
    for (boolean p : positive) {
      totalPos += p ? 1 : 0;
    }
    if (totalPos == 0) {
      return Double.NaN;
    }
    double ap = 0;
    long tp = 0;
    long seen = 0;
    int i = order.length - 1;
    while (i >= 0) {
      int j = i;
      long groupPos = 0;
      while (j >= 0 && scores[order[j]] == scores[order[i]]) {
        groupPos += positive[order[j]] ? 1 : 0;
        j--;
      }
      seen += i - j;
      tp += groupPos;
      ap += (groupPos / (double) totalPos) * (tp / (double) seen);
      i = j;
    }
    return ap;
  }

  /** Confusion counts and F1 when "anomalous" means score above the threshold. */
  public record AtThreshold(long tp, long fp, long tn, long fn) {
    public double precision() {
      return tp + fp == 0 ? 0 : tp / (double) (tp + fp);
    }

    public double recall() {
      return tp + fn == 0 ? 0 : tp / (double) (tp + fn);
    }

    public double f1() {
      double p = precision();
      double r = recall();
      return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }
  }

  public static AtThreshold atThreshold(double[] scores, boolean[] positive, double threshold) {
    long tp = 0;
    long fp = 0;
    long tn = 0;
    long fn = 0;
    for (int i = 0; i < scores.length; i++) {
      boolean flagged = scores[i] > threshold;
      if (positive[i]) {
        if (flagged) {
          tp++;
        } else {
          fn++;
        }
      } else if (flagged) {
        fp++;
      } else {
        tn++;
      }
    }
    return new AtThreshold(tp, fp, tn, fn);
  }

  /** Linear-interpolated quantile (q in [0,1]) of the values; sorts a copy. */
  public static double quantile(double[] values, double q) {
    double[] v = values.clone();
    Arrays.sort(v);
    return quantileOfSorted(v, q);
  }

  static double quantileOfSorted(double[] v, double q) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double pos = q * (v.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(v.length - 1, lo + 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - lo);
  }

  public static Calibration.Stats stats(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    double mean = 0;
    for (double x : v) {
      mean += x;
    }
    mean /= v.length;
    double var = 0;
    for (double x : v) {
      var += (x - mean) * (x - mean);
    }
    double std = v.length > 1 ? Math.sqrt(var / (v.length - 1)) : 0;
    return new Calibration.Stats(v[0], mean, std, quantileOfSorted(v, 0.5), quantileOfSorted(v, 0.99),
        v[v.length - 1]);
  }

  private static Integer[] sortedIndices(double[] scores) {
    Integer[] order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
    return order;
  }
}
