package io.caestream.app;

import java.util.Arrays;

/** A bounded reservoir of latencies in nanoseconds (the most recent ones), for quantiles. */
public final class LatencyReservoir {
  private final long[] values;
  private long count;

  public LatencyReservoir(int capacity) {
    values = new long[capacity];
  }

  public synchronized void add(long nanos) {
    values[(int) (count++ % values.length)] = nanos;
  }

  /** The q-quantile in milliseconds; NaN before any value. */
  public synchronized double quantileMs(double q) {
    int n = (int) Math.min(count, values.length);
    if (n == 0) {
      return Double.NaN;
    }
    long[] copy = Arrays.copyOf(values, n);
    Arrays.sort(copy);
    return copy[(int) Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] / 1e6;
  }
}
