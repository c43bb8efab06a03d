package io.caestream.stream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many scoring batches the tasks of one instance may have in the pool together. Each task
 * alone may have two; with several stream threads that summed to a queue the pool needed far
 * longer than a commit interval to work off, and an image still in the buffer at a commit is
 * written to the changelog in full: measured with 4 threads on 2 cores, the changelog took 65 %
 * of the input's bytes again. Images waiting for the pool are better left in Kafka, unread.
 *
 * <p>A task with nothing in the pool may always start a batch ({@link #take}), so no task ever
 * waits for another task's batches: the count can pass the limit by the number of tasks.
 */
public final class BatchQuota {
  private final int limit;
  private final AtomicInteger inPool = new AtomicInteger();

  public BatchQuota(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, not " + limit);
    }
    this.limit = limit;
  }

  /** No limit but each task's own. */
  public static BatchQuota unbounded() {
    return new BatchQuota(Integer.MAX_VALUE);
  }

  /** Counts a batch in if fewer than the limit are in the pool. */
  boolean tryTake() {
    for (int n = inPool.get(); n < limit; n = inPool.get()) {
      if (inPool.compareAndSet(n, n + 1)) {
        return true;
      }
    }
    return false;
  }

  /** Counts a batch in whatever the limit says: the task's first. */
  void take() {
    inPool.incrementAndGet();
  }

  /** A batch has left the pool: forwarded, failed, or abandoned with its task. */
  void give() {
    inPool.decrementAndGet();
  }

  int inPool() {
    return inPool.get();
  }
}
