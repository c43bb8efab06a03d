package io.caestream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.app.ScorerApp;
import io.caestream.config.CaeConfig;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.embedded.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** The scorer on a real in-JVM KRaft broker with exactly_once_v2: every input gets exactly one result. */
class ScoringIntegrationTest {
  @Test
  void everyImageGetsExactlyOneResult() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
      Map<String, String> raw = new LinkedHashMap<>();
      raw.put("kafka.bootstrap.servers", kafka.bootstrapServers());
      raw.put("kafka.num.stream.threads", "2");
      raw.put(CaeConfig.HTTP_PORT, "0");
      raw.put(CaeConfig.HTTP_HOST, "127.0.0.1");
      raw.put(CaeConfig.TOPICS_CREATE, "true");
      raw.put(CaeConfig.TOPICS_PARTITIONS, "3");
      raw.put(CaeConfig.IMAGE_MAX_BYTES, "100000");
      CaeConfig config = CaeConfig.of(raw);
      Topics topics = Topics.from(config);
      // Made here with the broker's limits: topics.create would size the input topic to
      // image.max.bytes (+128 KiB) and the oversized record below would be refused at the producer.
      kafka.createTopics(topics.all(), 3);
      SyntheticSurfaces gen = new SyntheticSurfaces(64, 4242, List.of(SyntheticSurfaces.Surface.values()));
      Map<String, byte[]> bad = BadImages.corpus(64, 100_000);
      List<byte[]> broken = new ArrayList<>(bad.values());
      int total = 1200;
      try (ScorerApp app = ScorerApp.start(config)) {
        Map<Integer, Long> perPartition = new HashMap<>();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "2000000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
          List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
          for (int i = 0; i < total; i++) {
            byte[] value;
            if (i % 10 == 3) {
              value = broken.get(i / 10 % broken.size());
            } else {
              value = gen.streamSample(i, 0.1).image().toPng();
            }
            sent.add(producer.send(new ProducerRecord<>(topics.input(), ("cam-" + i % 7).getBytes(StandardCharsets.UTF_8), value)));
          }
          // Far over image.max.bytes and over the scorer's max.request.size (1 MiB here), yet
          // accepted by the input topic: its dead letter must be written without the image.
          sent.add(producer.send(new ProducerRecord<>(topics.input(), "cam-big".getBytes(StandardCharsets.UTF_8),
              new byte[1_500_000])));
          for (var f : sent) {
            perPartition.merge(f.get().partition(), 1L, Long::sum);
          }
        }
        ExactlyOnceVerifier.Verdict v = ExactlyOnceVerifier.verify(kafka.bootstrapServers(), topics, perPartition,
            Duration.ofMinutes(3));
        assertThat(v.missing()).as("inputs without a result").isEmpty();
        assertThat(v.duplicated()).as("inputs with more than one result").isEmpty();
        assertThat(v.results()).isEqualTo(total + 1);
        assertThat(v.anomaliesMatch()).as("anomaly events = anomalous score events").isTrue();
        assertThat(v.anomalies()).isGreaterThan(0);
        assertThat(v.deadLetterReasons().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(total / 10 + 1);
        // Still healthy afterwards (a rebalance may be in flight: wait for it, bounded).
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (app.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
        // Every scored image went through the batcher, and no batch was larger than the two
        // stream threads that feed it (a batcher that held images across records would be).
        var batches = app.metrics().batchSizes(app.engine().name());
        long scored = v.results() - (total / 10 + 1);
        assertThat(batches.totalAmount()).as("images through the batcher").isGreaterThanOrEqualTo(scored);
        // The bucket counts are cumulative over the run (unlike max(), which decays).
        double atMostTwo = java.util.Arrays.stream(batches.takeSnapshot().histogramCounts())
            .filter(b -> b.bucket() == 2.0).findFirst().orElseThrow().count();
        assertThat(atMostTwo).as("batches of at most 2 images, of %s", batches.count()).isEqualTo((double) batches.count());
      }
    }
  }
}
