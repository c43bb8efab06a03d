package io.caestream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.config.CaeConfig;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsSettingsTest {
  private static final Map<String, String> BROKER = Map.of("kafka.bootstrap.servers", "localhost:9092");

  @Test
  void exactlyOnceWithTheShortCommitIntervalThatBoundsTheLatencyTail() {
    Properties p = StreamsSettings.of(CaeConfig.defaults().with(BROKER));
    assertThat(p).containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
        .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "50");
    assertThat(new StreamsConfig(p).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
        .isEqualTo(StreamsSettings.DEFAULT_COMMIT_INTERVAL_MS);
  }

  @Test
  void aKafkaKeyOverridesTheProductsDefault() {
    Properties p = StreamsSettings.of(CaeConfig.defaults().with(Map.of("kafka.bootstrap.servers", "localhost:9092",
        "kafka.commit.interval.ms", "200")));
    assertThat(new StreamsConfig(p).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(200);
  }
}
