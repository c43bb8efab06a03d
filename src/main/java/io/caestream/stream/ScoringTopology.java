package io.caestream.stream;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.Topology;

/**
 * The whole topology, built in one place (tests drive it with the TopologyTestDriver):
 * input -> score -> scores | anomalies | dead letters. Keys and values stay raw bytes end to end,
 * so no record can fail deserialization: every byte sequence reaches the scorer and gets a verdict.
 */
public final class ScoringTopology {
  static final String SOURCE = "images";
  static final String PROCESSOR = "score";

  private ScoringTopology() {}

  public static Topology build(Topics topics, SourceScorer scorer, StreamListener listener) {
    return build(topics, scorer, listener, Integer.MAX_VALUE);
  }

  /**
   * @param maxDeadLetterBytes the largest dead letter the producer and the dead-letter topic both
   *     accept (see {@link StreamsSettings#maxDeadLetterBytes}); a larger one is written without
   *     the image ({@link DeadLetter})
   */
  public static Topology build(Topics topics, SourceScorer scorer, StreamListener listener,
      int maxDeadLetterBytes) {
    Topology t = new Topology();
    ByteArrayDeserializer d = new ByteArrayDeserializer();
    ByteArraySerializer s = new ByteArraySerializer();
    t.addSource(SOURCE, d, d, topics.input());
    t.addProcessor(PROCESSOR, () -> new ScoringProcessor(scorer, listener, maxDeadLetterBytes,
        topics.mapsEnabled(), topics.shadowEnabled()), SOURCE);
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
}
