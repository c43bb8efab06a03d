package io.caestream.stream;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Whether the stream gets anywhere, for {@code /health/ready}: Kafka Streams says RUNNING between
 * thread replacements even while every replaced thread fails on the same record, so the state
 * alone cannot tell a crash loop from work. Progress is a stream thread committing (its
 * {@code commit-total} grows): a thread that fails aborts its transaction and commits nothing.
 *
 * <ul>
 *   <li>{@value #FAILING}: a stream thread failed and none has committed since, while records wait
 *       (lag) or for {@code stallMillis} after the failure;</li>
 *   <li>{@value #STALLED}: records have been waiting (lag) for {@code stallMillis} and no thread
 *       committed in that time.</li>
 * </ul>
 *
 * An idle line (no lag) is healthy. The state is updated on each check (each probe), from the
 * commit counts and lag the caller reads off Kafka Streams' metrics.
 */
public final class StreamHealth {
  public static final String FAILING = "failing";
  public static final String STALLED = "stalled";

  private final Clock clock;
  private final long stallMillis;
  private final Map<String, Double> lastCommits = new HashMap<>();
  private long lastProgress;
  private long lastFailure = Long.MIN_VALUE;
  private long lagSince = Long.MIN_VALUE;
  private int failures;

  public StreamHealth(Clock clock, long stallMillis) {
    this.clock = clock;
    this.stallMillis = stallMillis;
    this.lastProgress = clock.millis();
  }

  /**
   * A stream thread died (called by the uncaught-exception handler, in the dying thread).
   *
   * @param commitsByThread the commit counts now: commits made before the failure but not yet
   *     seen by a check must not count as progress after it
   */
  public synchronized void threadFailed(Map<String, Double> commitsByThread) {
    long now = clock.millis();
    observeCommits(commitsByThread, now);
    lastFailure = now;
    failures++;
  }

  /** {@link #threadFailed(Map)} with the commit counts from the client's metrics. */
  public void threadFailed(KafkaStreams streams) {
    threadFailed(read(streams).commits());
  }

  /** Stream threads that died since start. */
  public synchronized int failures() {
    return failures;
  }

  /** {@link #check(Map, double)} with the commit counts and lag from the client's own metrics. */
  public String check(KafkaStreams streams) {
    Metrics m = read(streams);
    return check(m.commits(), m.lag());
  }

  private record Metrics(Map<String, Double> commits, double lag) {}

  private static Metrics read(KafkaStreams streams) {
    Map<String, Double> commits = new HashMap<>();
    double lag = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
      MetricName n = e.getKey();
      if (n.group().equals("stream-thread-metrics") && n.name().equals("commit-total")) {
        commits.put(n.tags().get("thread-id"), value(e.getValue()));
      } else if (n.group().equals("consumer-fetch-manager-metrics") && n.name().equals("records-lag-max")
          && !n.tags().containsKey("topic") && n.tags().getOrDefault("client-id", "").endsWith("-consumer")
          && !n.tags().get("client-id").endsWith("-restore-consumer")) {
        lag = Math.max(lag, value(e.getValue()));
      }
    }
    return new Metrics(commits, lag);
  }

  /** Progress is any thread whose commit count grew since the last look (a new thread: from 0). */
  private void observeCommits(Map<String, Double> commitsByThread, long now) {
    for (Map.Entry<String, Double> e : commitsByThread.entrySet()) {
      Double before = lastCommits.get(e.getKey());
      if (e.getValue() > (before == null ? 0 : before)) {
        lastProgress = now;
      }
    }
    lastCommits.clear();
    lastCommits.putAll(commitsByThread);
  }

  /** A metric's value, 0 for the NaN of one that has no sample yet. */
  private static double value(Metric m) {
    Object v = m.metricValue();
    double d = v instanceof Number n ? n.doubleValue() : 0;
    return Double.isNaN(d) ? 0 : d;
  }

  /**
   * @param commitsByThread {@code commit-total} of each live stream thread
   * @param lag the largest consumer lag of the stream threads (0 when unknown)
   * @return null when the stream progresses or has nothing to do, else {@link #FAILING} or {@link #STALLED}
   */
  public synchronized String check(Map<String, Double> commitsByThread, double lag) {
    long now = clock.millis();
    observeCommits(commitsByThread, now);
    boolean waiting = lag > 0;
    if (!waiting || lastProgress == now) {
      lagSince = waiting ? now : Long.MIN_VALUE;
    } else if (lagSince == Long.MIN_VALUE) {
      lagSince = now;
    }
    if (lastFailure != Long.MIN_VALUE && lastFailure >= lastProgress
        && (waiting || now - lastFailure < stallMillis)) {
      return FAILING;
    }
    if (waiting && now - lagSince >= stallMillis) {
      return STALLED;
    }
    return null;
  }
}
