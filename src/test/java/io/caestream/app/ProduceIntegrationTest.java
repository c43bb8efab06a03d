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

  /**
   * A folder of 8 images, 3 other files and 2 masks: produce says it published 8 and skipped 5
   * (with the reasons); {@code --all} sends all 13, so the scorer can judge them.
   */
  @Test
  void saysWhatItSkippedAndAllSendsEveryFile(@TempDir Path dir) throws Exception {
    Path folder = dir.resolve("line");
    java.nio.file.Files.createDirectories(folder.resolve("sub"));
    byte[] png = new io.caestream.dataset.GreyImage(8, 8, new float[64]).toPng();
    for (int i = 0; i < 8; i++) {
      java.nio.file.Files.write(folder.resolve((i < 4 ? "" : "sub/") + "img-" + i + ".png"), png);
    }
    for (String other : List.of("notes.txt", "frame.tiff", "README")) {
      java.nio.file.Files.writeString(folder.resolve(other), "not an image");
    }
    java.nio.file.Files.write(folder.resolve("img-0_mask.png"), png);
    java.nio.file.Files.write(folder.resolve("sub/img-5_mask.png"), png);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
      kafka.createTopics(List.of("images"), 1);
      String plain = produce("--bootstrap", kafka.bootstrapServers(), folder.toString());
      assertThat(plain).contains("published 8 of 8 images")
          .contains("skipped 5 files: 3 " + io.caestream.dataset.MvtecLayout.NOT_AN_IMAGE_NAME
              + ", 2 " + io.caestream.dataset.MvtecLayout.MASK)
          .contains("--all");
      String all = produce("--bootstrap", kafka.bootstrapServers(), "--all", folder.toString());
      assertThat(all).contains("published 13 of 13 images").doesNotContain("skipped");
      assertThat(readAll(kafka.bootstrapServers(), 21)).hasSize(21);
    }
  }

  private static String produce(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new java.io.PrintWriter(out, true));
    assertThat(cl.execute(prepend("produce", args))).as(out.toString()).isZero();
    return out.toString();
  }

  private static String[] prepend(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "produce-test-" + System.nanoTime());
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
