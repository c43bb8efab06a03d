package io.caestream.stream;

import java.util.concurrent.Executor;

/**
 * How each stream task holds images to score several at once. A task's images wait in a
 * changelogged state store ({@link ScoringProcessor#BUFFER_STORE}), not in memory alone: under
 * exactly-once the store's changelog commits in the same transaction as the input offsets, so an
 * offset is never committed for an image that is neither scored nor safely buffered, and after a
 * crash the buffer is restored and its images are scored by whichever instance takes the task.
 *
 * @param max images a task buffers before it scores them all; 1 = score each image as it
 *     arrives (the buffer store still exists, so images a buffered run left behind are scored)
 * @param maxBytes encoded bytes a task buffers before it scores them all, whatever {@code max} says
 * @param waitMs how long the oldest buffered image waits for the buffer to fill
 * @param maxRecordBytes the largest buffered record the changelog topic takes; a larger record
 *     is judged at once (it is too big to be an image the scorer accepts)
 * @param pool scores the buffered images while the stream thread goes on reading ({@code
 *     Runnable::run} scores them on the stream thread)
 * @param helpers how many of the pool's threads one batch may use at once, at least 1
 * @param quota batches in the pool from every task together, shared by the tasks of one instance
 */
public record ScoringBuffer(int max, long maxBytes, long waitMs, int maxRecordBytes, Executor pool, int helpers,
    BatchQuota quota) {
  public ScoringBuffer {
    if (max < 1 || maxBytes < 1 || waitMs < 0 || maxRecordBytes < 1 || pool == null || helpers < 1 || quota == null) {
      throw new IllegalArgumentException("max >= 1, maxBytes >= 1, waitMs >= 0, maxRecordBytes >= 1, a pool,"
          + " helpers >= 1 and a quota, not " + max + ", " + maxBytes + ", " + waitMs + ", " + maxRecordBytes
          + ", " + pool + ", " + helpers + ", " + quota);
    }
  }

  /** Without a limit on the batches of all tasks together. */
  public ScoringBuffer(int max, long maxBytes, long waitMs, int maxRecordBytes, Executor pool, int helpers) {
    this(max, maxBytes, waitMs, maxRecordBytes, pool, helpers, BatchQuota.unbounded());
  }

  /** Every image scored as it arrives, on the stream thread. */
  public static ScoringBuffer none() {
    return new ScoringBuffer(1, Long.MAX_VALUE, 0, 1 << 20, Runnable::run, 1);
  }

  /**
   * How often a task looks for finished batches and images that waited long enough, and so the
   * most an idle input adds to a finished batch's latency: the wait, but at least 1 and at most 10 ms.
   */
  public static long checkIntervalMs(long waitMs) {
    return Math.max(1, Math.min(10, waitMs));
  }

  boolean buffered() {
    return max > 1;
  }
}
