package io.caestream.bench;

import java.util.Arrays;

/** A bounded reservoir of latencies in nanoseconds (the most recent ones), for quantiles. */
final class Latencies {
  private final long[] values;
  private long count;

  Latencies(int capacity) {
    values = new long[capacity];
  }

  synchronized void add(long nanos) {
    values[(int) (count++ % values.length)] = nanos;
  }

  synchronized double quantileMs(double q) {
    int n = (int) Math.min(count, values.length);
    if (n == 0) {
      return Double.NaN;
    }
    long[] copy = Arrays.copyOf(values, n);
    Arrays.sort(copy);
    return copy[(int) Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] / 1e6;
  }
}
