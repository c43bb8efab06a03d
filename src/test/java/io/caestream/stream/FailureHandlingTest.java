package io.caestream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caestream.config.CaeConfig;
import io.caestream.image.TestImages;
import io.caestream.model.BatchListener;
import io.caestream.model.ModelFailureException;
import io.caestream.scoring.ScoreResult;
import io.caestream.scoring.ScoringEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/** What the topology does when something other than the image is wrong. */
class FailureHandlingTest {
  private final Topics topics = Topics.from(CaeConfig.defaults());
  private final byte[] key = "cam".getBytes(StandardCharsets.UTF_8);

  private Properties props(StreamListener observer) {
    Properties p = StreamsSettings.of(CaeConfig.defaults().with(Map.of("kafka.bootstrap.servers", "unused:9092")));
    p.put(UnexpectedErrorHandler.LISTENER_CONFIG, observer);
    return p;
  }

  @Test
  void anUnexpectedErrorDeadLettersThatRecordAndTheStreamGoesOn() {
    List<String> seen = new ArrayList<>();
    StreamListener failsOnce = new StreamListener() {
      private boolean failed;

      @Override
      public void scored(ModelInfo model, ScoreResult result, long latencyNanos) {
        if (!failed) {
          failed = true;
          throw new IllegalStateException("a bug in a listener");
        }
      }

      @Override
      public void rejected(ModelInfo model, String reason) {
        seen.add(reason);
      }
    };
    try (ScoringEngine engine = ScoringEngine.open(CaeConfig.defaults(), BatchListener.NONE);
        TopologyTestDriver driver = new TopologyTestDriver(ScoringTopology.build(topics, RoutedScorer.of(engine),
            failsOnce), props(failsOnce))) {
      var in = driver.createInputTopic(topics.input(), new ByteArraySerializer(), new ByteArraySerializer());
      var dlq = driver.createOutputTopic(topics.deadLetters(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      var scores = driver.createOutputTopic(topics.scores(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      byte[] png = TestImages.greyPng(64, 64);
      in.pipeInput(key, png);
      in.pipeInput(key, png);
      var dead = dlq.readRecord();
      assertThat(new String(dead.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))
          .isEqualTo("internal-error");
      assertThat(dead.value()).isEqualTo(png);
      assertThat(seen).containsExactly(RecordProblem.INTERNAL_ERROR.word());
      // Nothing was forwarded for the failed record: its dead letter is its only result.
      // The second record is scored normally.
      assertThat(scores.readRecordsToList()).hasSize(1);
      assertThat(dlq.isEmpty()).isTrue();
    }
  }

  @Test
  void aModelFailureFailsTheThreadInsteadOfDeadLettering() {
    SourceScorer failing = (source, image, keep) -> {
      throw new ModelFailureException("ONNX Runtime run failed (faked)", null);
    };
    try (TopologyTestDriver driver = new TopologyTestDriver(ScoringTopology.build(topics, failing,
        StreamListener.NONE), props(StreamListener.NONE))) {
      var in = driver.createInputTopic(topics.input(), new ByteArraySerializer(), new ByteArraySerializer());
      var dlq = driver.createOutputTopic(topics.deadLetters(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      assertThatThrownBy(() -> in.pipeInput(key, TestImages.greyPng(64, 64)))
          .hasRootCauseInstanceOf(ModelFailureException.class);
      assertThat(dlq.isEmpty()).as("a model failure is never the image's fault").isTrue();
    }
  }

  @Test
  void aDeadLetterTooLargeForItsTopicIsWrittenWithoutTheImage() {
    try (ScoringEngine engine = ScoringEngine.open(CaeConfig.defaults().with(Map.of(CaeConfig.IMAGE_MAX_BYTES, "2000")),
        BatchListener.NONE);
        TopologyTestDriver driver = new TopologyTestDriver(ScoringTopology.build(topics, RoutedScorer.of(engine),
            StreamListener.NONE, 5000, ScoringBuffer.none()), props(StreamListener.NONE))) {
      var in = driver.createInputTopic(topics.input(), new ByteArraySerializer(), new ByteArraySerializer());
      var dlq = driver.createOutputTopic(topics.deadLetters(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      in.pipeInput(key, new byte[3000]);
      in.pipeInput(key, new byte[5000]);
      var fits = dlq.readRecord();
      assertThat(fits.value()).hasSize(3000);
      assertThat(fits.headers().lastHeader(DeadLetterHeaders.VALUE_DROPPED)).isNull();
      var dropped = dlq.readRecord();
      assertThat(dropped.value()).isNull();
      assertThat(new String(dropped.headers().lastHeader(DeadLetterHeaders.VALUE_DROPPED).value(), StandardCharsets.UTF_8))
          .isEqualTo("5000");
      assertThat(new String(dropped.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))
          .isEqualTo("too-large");
    }
  }
}
