package io.caestream.stream;

import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole topology, built in one place (tests drive it with the TopologyTestDriver):
 * input -> score -> scores | anomalies | dead letters. Keys and values stay raw bytes end to end,
 * so no record can fail deserialization: every byte sequence reaches the scorer and gets a verdict.
 */
public final class ScoringTopology {
  static final String SOURCE = "images";
  static final String PROCESSOR = "score";

  private ScoringTopology() {}

  /** The internal topic Kafka Streams makes for the scoring buffer of {@code applicationId}. */
  public static String bufferChangelog(String applicationId) {
    return applicationId + "-" + ScoringProcessor.BUFFER_STORE + "-changelog";
  }

  public static Topology build(Topics topics, SourceScorer scorer, StreamListener listener) {
    return build(topics, scorer, listener, Integer.MAX_VALUE, ScoringBuffer.none());
  }

  /**
   * @param maxDeadLetterBytes the largest dead letter the producer and the dead-letter topic both
   *     accept (see {@link StreamsSettings#maxDeadLetterBytes}); a larger one is written without
   *     the image ({@link DeadLetter})
   * @param buffer how many images each task holds to score at once; its store is there even
   *     unbuffered, so that images a buffered run committed but did not score are scored
   */
  public static Topology build(Topics topics, SourceScorer scorer, StreamListener listener,
      int maxDeadLetterBytes, ScoringBuffer buffer) {
    Topology t = new Topology();
    ByteArrayDeserializer d = new ByteArrayDeserializer();
    ByteArraySerializer s = new ByteArraySerializer();
    t.addSource(SOURCE, d, d, topics.input());
    t.addProcessor(PROCESSOR, () -> new ScoringProcessor(scorer, listener, maxDeadLetterBytes,
        topics.mapsEnabled(), topics.shadowEnabled(), buffer), SOURCE);
    // Cached: an image put and deleted within one commit interval reaches the changelog only as
    // a tombstone of its slot, deduplicated; only images still waiting at a commit are logged whole.
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ScoringProcessor.BUFFER_STORE),
        Serdes.Integer(), Serdes.ByteArray()).withCachingEnabled().withLoggingEnabled(Map.of(
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(changelogMaxBytes(buffer)))), PROCESSOR);
    t.addSink(ScoringProcessor.TO_SCORES, topics.scores(), s, s, PROCESSOR);
    t.addSink(ScoringProcessor.TO_ANOMALIES, topics.anomalies(), s, s, PROCESSOR);
    t.addSink(ScoringProcessor.TO_DLQ, topics.deadLetters(), s, s, PROCESSOR);
    if (topics.shadowEnabled()) {
      t.addSink(ScoringProcessor.TO_SHADOW, topics.shadow(), s, s, PROCESSOR);
    }
    if (topics.mapsEnabled()) {
      t.addSink(ScoringProcessor.TO_MAPS, topics.maps(), s, s, PROCESSOR);
    }
    return t;
  }

  /** Room for the largest buffered record plus the changelog record's own key and framing. */
  private static int changelogMaxBytes(ScoringBuffer buffer) {
    return (int) Math.min(Integer.MAX_VALUE, buffer.maxRecordBytes() + 1024L);
  }
}
