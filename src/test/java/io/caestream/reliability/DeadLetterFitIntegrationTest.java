package io.caestream.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.app.ScorerApp;
import io.caestream.config.CaeConfig;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.embedded.EmbeddedKafka;
import io.caestream.stream.DeadLetterHeaders;
import io.caestream.stream.ExactlyOnceVerifier;
import io.caestream.stream.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 14's reproduction on a broker with Kafka's default record limits (1 MiB), not the raised
 * ones of the demo broker: the input topic takes 4 MiB, the dead-letter topic the default. One
 * 2 MiB record of random bytes, then 20 good images. Before the fix the dead letter was refused
 * (RecordTooLargeException), the thread was replaced again and again and none of the 20 was
 * scored. Now the dead letter is written without the bytes and everything else flows.
 */
class DeadLetterFitIntegrationTest {
  private static final int GOOD = 20;
  private static final int RANDOM = 2 << 20;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aTwoMegabyteRejectOnAOneMegabyteDeadLetterTopicDoesNotStopTheLine() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.startWithDefaultLimits(0, Map.of())) {
      Topics topics = new Topics("images", "image-scores", "anomalies", "images-dlq");
      try (Admin admin = kafka.admin()) {
        admin.createTopics(List.of(
            new NewTopic(topics.input(), 2, (short) 1).configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "4194304")),
            new NewTopic(topics.scores(), 2, (short) 1), new NewTopic(topics.anomalies(), 2, (short) 1),
            new NewTopic(topics.deadLetters(), 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
      }
      try (ScorerApp app = ScorerApp.start(CaeConfig.of(config(kafka, "fit", false)))) {
        Map<Integer, Long> perPartition = produce(kafka, topics.input());
        ExactlyOnceVerifier.Verdict v = ExactlyOnceVerifier.verify(kafka.bootstrapServers(), topics, perPartition,
            Duration.ofMinutes(2));
        assertThat(v.missing()).as("lost").isEmpty();
        assertThat(v.duplicated()).as("duplicated").isEmpty();
        assertThat(v.results()).isEqualTo(GOOD + 1);
        assertThat(v.deadLetterReasons()).containsExactly(Map.entry("unknown-format", 1));
        assertThat(app.threadFailures()).as("stream threads that died").isZero();
        assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
        assertThat(ready(app)).as("/health/ready").isEqualTo(200);

        ConsumerRecord<byte[], byte[]> dead = readOne(kafka, topics.deadLetters());
        assertThat(dead.value()).as("the 2 MiB image does not fit a 1 MiB topic").isNull();
        assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.VALUE_DROPPED)).isEqualTo(Integer.toString(RANDOM));
        assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.REASON)).isEqualTo("unknown-format");
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("line-1/cam-big");
      }
    }
  }

  /**
   * topics.create gives the image topics (input, dead letters) an explicit max.message.bytes from
   * image.max.bytes, so on the same stock broker a rejected 2 MiB image keeps its bytes.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void topicsCreatedByTheScorerTakeTheImagesItAccepts() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.startWithDefaultLimits(0, Map.of())) {
      Topics topics = new Topics("images", "image-scores", "anomalies", "images-dlq");
      Map<String, String> config = config(kafka, "create", true);
      config.put(CaeConfig.IMAGE_MAX_BYTES, Integer.toString(3 << 20));
      try (ScorerApp app = ScorerApp.start(CaeConfig.of(config))) {
        try (Admin admin = kafka.admin()) {
          Map<String, Integer> limits = io.caestream.stream.TopicCheck.maxMessageBytes(admin, topics.all(), 30_000);
          int image = (3 << 20) + (128 << 10);
          assertThat(limits).containsEntry(topics.input(), image).containsEntry(topics.deadLetters(), image)
              .containsEntry(topics.scores(), 1048588).containsEntry(topics.anomalies(), 1048588);
        }
        Map<Integer, Long> perPartition = produce(kafka, topics.input());
        ExactlyOnceVerifier.Verdict v = ExactlyOnceVerifier.verify(kafka.bootstrapServers(), topics, perPartition,
            Duration.ofMinutes(2));
        assertThat(v.ok()).as("%s", v).isTrue();
        ConsumerRecord<byte[], byte[]> dead = readOne(kafka, topics.deadLetters());
        assertThat(dead.value()).as("the image fits the topic made for it").hasSize(RANDOM);
        assertThat(dead.headers().lastHeader(DeadLetterHeaders.VALUE_DROPPED)).isNull();
        assertThat(app.threadFailures()).isZero();
      }
    }
  }

  private static Map<String, String> config(EmbeddedKafka kafka, String id, boolean create) {
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    raw.put(CaeConfig.APPLICATION_ID, "dead-letter-fit-" + id);
    raw.put(CaeConfig.HTTP_HOST, "127.0.0.1");
    raw.put(CaeConfig.HTTP_PORT, "0");
    raw.put(CaeConfig.TOPICS_CREATE, Boolean.toString(create));
    raw.put(CaeConfig.TOPICS_PARTITIONS, "2");
    raw.put("kafka.num.stream.threads", "1");
    return raw;
  }

  /** The 2 MiB random record first, then the good images; returns the records per partition. */
  private static Map<Integer, Long> produce(EmbeddedKafka kafka, String topic) throws Exception {
    Properties p = kafka.clientProperties();
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 << 20));
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    byte[] random = new byte[RANDOM];
    new Random(14).nextBytes(random);
    random[0] = 'R'; // no image signature starts with R: unknown-format, whatever the draw
    SyntheticSurfaces gen = new SyntheticSurfaces(64, 14, List.of(SyntheticSurfaces.Surface.values()));
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    records.add(new ProducerRecord<>(topic, "line-1/cam-big".getBytes(StandardCharsets.UTF_8), random));
    for (int i = 0; i < GOOD; i++) {
      records.add(new ProducerRecord<>(topic, ("line-1/cam-" + i % 3).getBytes(StandardCharsets.UTF_8),
          gen.streamSample(i, 0.2).image().toPng()));
    }
    return Inputs.send(p, records);
  }

  private static ConsumerRecord<byte[], byte[]> readOne(EmbeddedKafka kafka, String topic) {
    Properties p = kafka.clientProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + System.nanoTime());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          return r;
        }
      }
    }
    throw new AssertionError("no record on " + topic);
  }

  static int ready(ScorerApp app) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/health/ready"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
