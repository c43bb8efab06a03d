package io.caestream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.cli.Main;
import io.caestream.embedded.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code produce} publishes MVTec folders with image-id and cae.label headers, and synthetic sets. */
class ProduceIntegrationTest {
  @Test
  void publishesFoldersAndSyntheticSets(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("set");
    assertThat(Main.run("dataset", "synthetic", "--out", data.toString(), "--train", "0", "--test", "10")).isZero();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
      kafka.createTopics(List.of("images"), 2);
      assertThat(Main.run("produce", "--bootstrap", kafka.bootstrapServers(), data.resolve("test").toString())).isZero();
      assertThat(Main.run("produce", "--bootstrap", kafka.bootstrapServers(), "--synthetic", "7", "--rate", "50")).isZero();
      // The same config file as serve: brokers, topic and client settings come from it.
      Path cfg = dir.resolve("serve.properties");
      java.nio.file.Files.writeString(cfg, "kafka.bootstrap.servers=" + kafka.bootstrapServers()
          + "\ninput.topic=images\nkafka.acks=all\nkafka.num.stream.threads=2\n");
      assertThat(Main.run("produce", "--config", cfg.toString(), "--synthetic", "3")).isZero();
      List<ConsumerRecord<byte[], byte[]>> records = readAll(kafka.bootstrapServers(), 20);
      assertThat(records).hasSize(20);
      Map<String, Integer> labels = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        assertThat(r.headers().lastHeader("image-id")).isNotNull();
        assertThat(r.key()).isNotEmpty();
        assertThat(r.value()[1]).as("PNG signature").isEqualTo((byte) 'P');
        labels.merge(new String(r.headers().lastHeader(ImageFeed.LABEL_HEADER).value(), StandardCharsets.UTF_8), 1, Integer::sum);
      }
      assertThat(labels.get("good")).isGreaterThanOrEqualTo(5);
      assertThat(labels.keySet()).contains("hole", "scratch");
    }
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "produce-test");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of("images"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
