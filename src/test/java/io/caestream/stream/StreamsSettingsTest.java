package io.caestream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.config.CaeConfig;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
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
  void producersBatchWhatACommitWritesToAPartitionInsteadOfSixteenKibibytes() {
    StreamsConfig c = new StreamsConfig(StreamsSettings.of(CaeConfig.defaults().with(BROKER)));
    Map<String, Object> producer = c.getProducerConfigs("client");
    assertThat(producer).containsEntry(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    assertThat(Integer.parseInt((String) producer.get(ProducerConfig.BATCH_SIZE_CONFIG)))
        .isEqualTo(StreamsSettings.DEFAULT_PRODUCER_BATCH_BYTES);
    Map<String, Object> overridden = new StreamsConfig(StreamsSettings.of(CaeConfig.defaults().with(Map.of(
        "kafka.bootstrap.servers", "localhost:9092", "kafka.producer.batch.size", "16384"))))
        .getProducerConfigs("client");
    assertThat(overridden).containsEntry(ProducerConfig.BATCH_SIZE_CONFIG, "16384");
  }

  @Test
  void aKafkaKeyOverridesTheProductsDefault() {
    Properties p = StreamsSettings.of(CaeConfig.defaults().with(Map.of("kafka.bootstrap.servers", "localhost:9092",
        "kafka.commit.interval.ms", "200")));
    assertThat(new StreamsConfig(p).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(200);
  }
}
