package io.caestream.stream;

import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Kafka Streams properties from the cae-stream config: the product's defaults (exactly_once_v2,
 * error handlers, dead-letter topic), then every {@code kafka.*} key as given. Validated through
 * Kafka's own StreamsConfig so a bad Kafka setting names its {@code kafka.*} key.
 */
public final class StreamsSettings {
  /**
   * Under exactly-once a score event becomes visible when its transaction commits, so the commit
   * interval is the floor of capture-to-visible latency. At half of the maximum rate on 2 cores,
   * Kafka Streams' 100 ms met a 250 ms p99 in one row of four (p99 216-490 ms); 50 ms in two (123
   * and 183 ms at 2,808 images/s; 288-313 ms in a faster run at 3,486) and had the lower p50 in
   * all four, for 2-13 % less end-to-end throughput. This is the default per stream thread, up to
   * {@link #MAX_DEFAULT_COMMIT_INTERVAL_MS}.
   */
  public static final long DEFAULT_COMMIT_INTERVAL_MS = 50;

  /**
   * The ceiling of the default commit interval, which grows with the stream threads. Each stream
   * thread commits a transaction of its own every interval, and the broker's cost is per
   * transaction (markers, transaction log, offset commit), not per record: four threads at 50 ms,
   * 80 transactions a second, cost it 60-77 us of CPU per image, against 27-32 at 100 ms and 20-35
   * at 150 ms, and end to end went from 0.85x the additive bound to 0.97x (100 ms) and 1.03-1.06x
   * (150 ms). The ceiling is for latency: at half the four-thread maximum, 100 ms gave p50
   * 116-149 / p99 218-310 ms and 150 ms p50 154-155 / p99 288-300 (one thread at 50 ms, 4,000
   * images/s: p50 60 / p99 176). One thread keeps 50 ms; two get 100.
   */
  static final long MAX_DEFAULT_COMMIT_INTERVAL_MS = 100;

  /**
   * The producer's batch, per partition. With Kafka's 16 KiB a batch filled every 25 score events
   * or 5 images of the buffer's changelog, and each went out as a request of its own: a record
   * cost the broker and the clients 4-7x what the pass-through's paid. 256 KiB holds what a commit
   * interval writes to a partition at these rates, so a commit sends one batch per partition:
   * measured 51 against 78 us per record outside the scoring pool with one stream thread, 75 against
   * 142 with four, +9 % and +28 % end-to-end throughput and p99 216-217 against 344-816 ms at half the
   * maximum rate. Memory: at most one batch per partition written to, within the producer's
   * buffer.memory (32 MiB).
   */
  public static final int DEFAULT_PRODUCER_BATCH_BYTES = 256 << 10;

  private StreamsSettings() {}

  public static Properties of(CaeConfig config) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.string(CaeConfig.APPLICATION_ID));
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, UnexpectedErrorHandler.class.getName());
    p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, ResultProductionHandler.class.getName());
    p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.string(CaeConfig.DLQ_TOPIC));
    p.put(UnexpectedErrorHandler.DLQ_TOPIC_CONFIG, config.string(CaeConfig.DLQ_TOPIC));
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
        Long.toString(defaultCommitIntervalMs(config.kafka().get(StreamsConfig.NUM_STREAM_THREADS_CONFIG))));
    if (config.integer(CaeConfig.STREAM_BUFFER_MAX) > 1) {
      // Finished batches are forwarded between polls: an idle input must not hold them a commit interval.
      p.put(StreamsConfig.POLL_MS_CONFIG,
          Long.toString(ScoringBuffer.checkIntervalMs(config.integer(CaeConfig.STREAM_BUFFER_WAIT_MS))));
    }
    p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), Integer.toString(DEFAULT_PRODUCER_BATCH_BYTES));
    // Dead letters carry images: as large as the image topics topics.create makes, and at least
    // the 1 MiB default. Whether a dead letter fits is then decided per record (DeadLetter).
    p.put(StreamsConfig.producerPrefix("max.request.size"),
        Integer.toString(Math.max(1 << 20, imageTopicMaxBytes(config))));
    p.put(StreamsConfig.consumerPrefix("max.partition.fetch.bytes"),
        Integer.toString(Math.max(1 << 20, config.integer(CaeConfig.IMAGE_MAX_BYTES) + (64 << 10))));
    for (Map.Entry<String, String> e : config.kafka().entrySet()) {
      p.put(e.getKey(), e.getValue());
    }
    Object servers = p.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG);
    if (servers == null || servers.toString().isBlank()) {
      throw new ConfigException(CaeConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG,
          "must be set to the Kafka brokers (host:port,...)");
    }
    try {
      new StreamsConfig(p);
    } catch (org.apache.kafka.common.config.ConfigException e) {
      String key = kafkaKeyOf(e.getMessage());
      throw new ConfigException(key, CaeConfig.isSecret(key) ? "invalid value (not shown: secret)" : e.getMessage());
    }
    checkJaas(p.getProperty(SaslConfigs.SASL_JAAS_CONFIG));
    return p;
  }

  /**
   * The commit interval for this many stream threads when {@code kafka.commit.interval.ms} is not
   * set; a thread count that is not a number is left for StreamsConfig to reject with its key.
   */
  static long defaultCommitIntervalMs(String streamThreads) {
    int threads = 1;
    try {
      threads = streamThreads == null ? 1 : Math.max(1, Integer.parseInt(streamThreads.trim()));
    } catch (NumberFormatException e) {
      // StreamsConfig names the key below
    }
    return Math.min(MAX_DEFAULT_COMMIT_INTERVAL_MS, DEFAULT_COMMIT_INTERVAL_MS * threads);
  }

  /**
   * Kafka parses {@code sasl.jaas.config} only when a client is created, after the model has been
   * loaded; parsing it here makes a malformed one a config error. The message never echoes the value.
   */
  private static void checkJaas(String jaas) {
    if (jaas == null) {
      return;
    }
    String key = CaeConfig.KAFKA_PREFIX + SaslConfigs.SASL_JAAS_CONFIG;
    if (jaas.isBlank()) {
      throw new ConfigException(key, "must not be empty when set");
    }
    try {
      JaasContext.loadClientContext(Map.of(SaslConfigs.SASL_JAAS_CONFIG, new Password(jaas)));
    } catch (IllegalArgumentException e) {
      String why = String.valueOf(e.getMessage()).replaceAll("control flag '[^']*'", "control flag");
      throw new ConfigException(key, "is not a valid JAAS configuration: " + why
          + " (expected: <LoginModule class> required key=\"value\" ...;)");
    }
  }

  /**
   * The largest dead letter that can be written: the smaller of the Streams producer's
   * {@code max.request.size} and the dead-letter topic's effective {@code max.message.bytes}
   * (read from the cluster at start-up). Either one refusing it would fail the transaction.
   */
  public static int maxDeadLetterBytes(Properties props, int deadLetterTopicMaxBytes) {
    return Math.min(producerMaxRequestSize(props), deadLetterTopicMaxBytes);
  }

  /**
   * The largest record the scoring buffer holds: an image of {@code image.max.bytes} with room
   * for key and headers (a larger one is rejected anyway), and small enough that the changelog
   * write fits the producer's {@code max.request.size} with its framing.
   */
  public static int bufferRecordMaxBytes(CaeConfig config, Properties props) {
    long image = (long) config.integer(CaeConfig.IMAGE_MAX_BYTES) + (64 << 10);
    return (int) Math.max(1, Math.min(image, producerMaxRequestSize(props) - 1024L));
  }

  static int producerMaxRequestSize(Properties props) {
    Object size = new StreamsConfig(props).getProducerConfigs("probe").get("max.request.size");
    return size == null ? 1 << 20 : Integer.parseInt(size.toString());
  }

  /**
   * {@code max.message.bytes} for the image topics {@code topics.create} makes (input and dead
   * letters): an image of {@code image.max.bytes} with room for key, headers and the dead-letter
   * headers, so that any image the scorer accepts also fits its dead letter.
   */
  public static int imageTopicMaxBytes(CaeConfig config) {
    return (int) Math.min(Integer.MAX_VALUE, (long) config.integer(CaeConfig.IMAGE_MAX_BYTES) + (128 << 10));
  }

  /** Kafka says "Invalid value X for configuration NAME: why"; name the kafka.* key. */
  private static String kafkaKeyOf(String message) {
    var m = java.util.regex.Pattern.compile("configuration (\\S+?):?\\s").matcher(message + " ");
    return m.find() ? CaeConfig.KAFKA_PREFIX + m.group(1) : CaeConfig.KAFKA_PREFIX + "*";
  }
}
