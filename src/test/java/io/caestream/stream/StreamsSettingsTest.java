package io.caestream.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import java.util.HashMap;
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
  void moreStreamThreadsCommitLessOftenEachSoTheInstancesTransactionRateStaysBounded() {
    assertThat(commitIntervalWith(Map.of("kafka.num.stream.threads", "1"))).isEqualTo(50);
    assertThat(commitIntervalWith(Map.of("kafka.num.stream.threads", "2"))).isEqualTo(100);
    assertThat(commitIntervalWith(Map.of("kafka.num.stream.threads", "4")))
        .isEqualTo(StreamsSettings.MAX_DEFAULT_COMMIT_INTERVAL_MS).isEqualTo(100);
    assertThat(commitIntervalWith(Map.of("kafka.num.stream.threads", "32"))).isEqualTo(100);
    assertThat(commitIntervalWith(Map.of("kafka.num.stream.threads", "4", "kafka.commit.interval.ms", "50")))
        .as("the user's value wins").isEqualTo(50);
    assertThatThrownBy(() -> StreamsSettings.of(CaeConfig.defaults().with(Map.of(
        "kafka.bootstrap.servers", "localhost:9092", "kafka.num.stream.threads", "four"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.num.stream.threads");
  }

  private static long commitIntervalWith(Map<String, String> kafka) {
    Map<String, String> c = new HashMap<>(BROKER);
    c.putAll(kafka);
    return new StreamsConfig(StreamsSettings.of(CaeConfig.defaults().with(c)))
        .getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
  }

  @Test
  void aKafkaKeyOverridesTheProductsDefault() {
    Properties p = StreamsSettings.of(CaeConfig.defaults().with(Map.of("kafka.bootstrap.servers", "localhost:9092",
        "kafka.commit.interval.ms", "200")));
    assertThat(new StreamsConfig(p).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(200);
  }
}
