package io.caestream.stream;

import io.caestream.scoring.ImageScorer;
import io.caestream.scoring.ScoringObserver;
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

  public static Topology build(Topics topics, ImageScorer scorer, ScoringObserver observer, ModelInfo model) {
    return build(topics, scorer, observer, model, Integer.MAX_VALUE);
  }

  /**
   * @param maxDeadLetterValueBytes dead letters carry the original image only up to this size
   *     (what the producer can write, see {@link StreamsSettings#maxDeadLetterValueBytes}); larger
   *     ones are written without it
   */
  public static Topology build(Topics topics, ImageScorer scorer, ScoringObserver observer, ModelInfo model,
      int maxDeadLetterValueBytes) {
    Topology t = new Topology();
    ByteArrayDeserializer d = new ByteArrayDeserializer();
    ByteArraySerializer s = new ByteArraySerializer();
    t.addSource(SOURCE, d, d, topics.input());
    t.addProcessor(PROCESSOR, () -> new ScoringProcessor(scorer, observer, model, maxDeadLetterValueBytes), SOURCE);
    t.addSink(ScoringProcessor.TO_SCORES, topics.scores(), s, s, PROCESSOR);
    t.addSink(ScoringProcessor.TO_ANOMALIES, topics.anomalies(), s, s, PROCESSOR);
    t.addSink(ScoringProcessor.TO_DLQ, topics.deadLetters(), s, s, PROCESSOR);
    return t;
  }
}
