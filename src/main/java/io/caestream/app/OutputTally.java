package io.caestream.app;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what the scorer committed (read_committed) on the scores, anomalies and dead-letter
 * topics and counts it, with end-to-end latency (capture timestamp to read) of the score events.
 * This is what {@code demo} and {@code bench} report: results as a consumer sees them.
 */
public final class OutputTally implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String scores;
  private final String anomalies;
  private final String deadLetters;
  private final AtomicLong scored = new AtomicLong();
  private final AtomicLong anomalous = new AtomicLong();
  private final AtomicLong dead = new AtomicLong();
  private final LatencyReservoir latencies = new LatencyReservoir(1 << 16);
  private final Thread thread;
  private volatile boolean running = true;

  public OutputTally(String bootstrap, String scores, String anomalies, String deadLetters) {
    consumer = readCommittedConsumer(bootstrap, "cae-tally");
    this.scores = scores;
    this.anomalies = anomalies;
    this.deadLetters = deadLetters;
    consumer.subscribe(List.of(scores, anomalies, deadLetters));
    thread = new Thread(this::loop, "cae-output-tally");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * A consumer that sees what a downstream user sees: committed records only, from the start of
   * the topics, in a group of its own ({@code groupPrefix} + a unique suffix), committing nothing.
   */
  public static KafkaConsumer<byte[], byte[]> readCommittedConsumer(String bootstrap, String groupPrefix) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupPrefix + "-" + System.nanoTime());
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private void loop() {
    while (running) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
        long now = System.currentTimeMillis();
        if (r.topic().equals(scores)) {
          scored.incrementAndGet();
          latencies.add((now - r.timestamp()) * 1_000_000L);
        } else if (r.topic().equals(anomalies)) {
          anomalous.incrementAndGet();
        } else if (r.topic().equals(deadLetters)) {
          dead.incrementAndGet();
        }
      }
    }
    consumer.close();
  }

  public long scored() {
    return scored.get();
  }

  public long anomalies() {
    return anomalous.get();
  }

  public long deadLettered() {
    return dead.get();
  }

  /** Results seen: score events plus dead letters (each input gives exactly one of them). */
  public long results() {
    return scored.get() + dead.get();
  }

  /** Latency quantile in ms over the last 65,536 score events; NaN before any. */
  public double latencyQuantileMs(double q) {
    return latencies.quantileMs(q);
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
