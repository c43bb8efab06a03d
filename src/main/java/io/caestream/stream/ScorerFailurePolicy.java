package io.caestream.stream;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The uncaught-exception policy: a dying stream thread is replaced (its transaction was aborted,
 * so its images are scored again), up to {@code maxReplacements} times within {@code windowMillis};
 * past that the failure is persistent (a broken GPU, a model that cannot run) and the client shuts
 * down, the process exits non-zero and its orchestrator restarts it with back-off, while
 * {@code /health/ready} reports it. No image is skipped either way.
 */
public final class ScorerFailurePolicy implements StreamsUncaughtExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ScorerFailurePolicy.class);
  private final int maxReplacements;
  private final long windowMillis;
  private final Clock clock;
  private final Deque<Long> recent = new ArrayDeque<>();

  public ScorerFailurePolicy(int maxReplacements, long windowMillis) {
    this(maxReplacements, windowMillis, Clock.systemUTC());
  }

  /** With the clock that dates failures (tests move one by hand instead of sleeping). */
  public ScorerFailurePolicy(int maxReplacements, long windowMillis, Clock clock) {
    this.maxReplacements = maxReplacements;
    this.windowMillis = windowMillis;
    this.clock = clock;
  }

  @Override
  public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
    long now = clock.millis();
    while (!recent.isEmpty() && now - recent.peekFirst() > windowMillis) {
      recent.removeFirst();
    }
    if (recent.size() >= maxReplacements) {
      LOG.error("stream thread failed {} times within {} s; shutting down: {}", recent.size() + 1,
          windowMillis / 1000, rootMessage(exception));
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    recent.addLast(now);
    LOG.warn("stream thread failed, replacing it ({} of {} within {} s): {}", recent.size(),
        maxReplacements, windowMillis / 1000, rootMessage(exception));
    return StreamThreadExceptionResponse.REPLACE_THREAD;
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.toString();
  }
}
