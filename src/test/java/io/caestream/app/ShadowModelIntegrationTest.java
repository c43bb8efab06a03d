package io.caestream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.config.CaeConfig;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.embedded.EmbeddedKafka;
import io.caestream.stream.Topics;
import io.caestream.testing.TestRepository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shadow model on a real broker. The shadow is the live model with a calibration whose
 * threshold flags every image, a case whose comparison is known in advance: every image the live
 * model flags is "both", every other one "shadow-only", agreement = the live anomaly rate, and the
 * scores, from the same network and normalization, correlate exactly. Shadow events appear on the
 * shadow topic only; the anomalies topic holds the live model's verdicts alone.
 */
class ShadowModelIntegrationTest {
  private static final int IMAGES = 60;
  private final ObjectMapper json = new ObjectMapper();

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void shadowEventsGoToTheShadowTopicOnlyAndTheComparisonIsRight(@TempDir Path repo) throws Exception {
    Path surface = TestRepository.addModel(repo, "surface", "synthetic-surface");
    Files.copy(surface.resolve("model.onnx"), surface.resolve("shadow.onnx"));
    Files.writeString(surface.resolve("shadow.calibration.json"), Files.readString(surface.resolve("model.calibration.json"))
        .replaceFirst("\"threshold\"\\s*:\\s*[0-9.eE-]+", "\"threshold\" : 1.0E-12"));
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
      Map<String, String> raw = new LinkedHashMap<>();
      raw.put("kafka.bootstrap.servers", kafka.bootstrapServers());
      raw.put(CaeConfig.HTTP_PORT, "0");
      raw.put(CaeConfig.HTTP_HOST, "127.0.0.1");
      raw.put(CaeConfig.TOPICS_CREATE, "true");
      raw.put(CaeConfig.MODEL_REPOSITORY, repo.toString());
      CaeConfig config = CaeConfig.of(raw);
      Topics topics = Topics.from(config);
      assertThat(topics.shadow()).isEqualTo("image-scores-shadow");
      try (ScorerApp app = ScorerApp.start(config)) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (app.state() != KafkaStreams.State.RUNNING && System.nanoTime() < until) {
          Thread.sleep(20);
        }
        SyntheticSurfaces gen = new SyntheticSurfaces(64, 5, List.of(SyntheticSurfaces.Surface.values()));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
            new ByteArraySerializer())) {
          for (int i = 0; i < IMAGES; i++) {
            producer.send(new ProducerRecord<>(topics.input(), ("line/cam-" + i % 3).getBytes(StandardCharsets.UTF_8),
                gen.streamSample(i, 0.4).image().toPng()));
          }
        }
        Map<String, List<JsonNode>> out = read(kafka.bootstrapServers(),
            List.of(topics.scores(), topics.anomalies(), topics.shadow()), 2 * IMAGES);
        List<JsonNode> scores = out.get(topics.scores());
        List<JsonNode> shadows = out.get(topics.shadow());
        assertThat(scores).hasSize(IMAGES).allMatch(e -> e.get("model").get("name").asText().equals("surface"));
        assertThat(shadows).hasSize(IMAGES).allMatch(e -> e.get("model").get("name").asText().equals("surface/shadow"))
            .allMatch(e -> e.get("anomalous").asBoolean());
        long liveAnomalous = scores.stream().filter(e -> e.get("anomalous").asBoolean()).count();
        assertThat(liveAnomalous).as("a mix of verdicts, so the case tests something").isBetween(5L, IMAGES - 5L);
        assertThat(out.get(topics.anomalies())).as("only the live model's anomalies")
            .hasSize((int) liveAnomalous).allMatch(e -> e.get("model").get("name").asText().equals("surface"));

        String metrics = app.registry().scrape();
        assertThat(value(metrics, "cae_shadow_comparisons_total{model=\"surface\",outcome=\"both\"}")).isEqualTo(liveAnomalous);
        assertThat(value(metrics, "cae_shadow_comparisons_total{model=\"surface\",outcome=\"shadow-only\"}"))
            .isEqualTo(IMAGES - liveAnomalous);
        assertThat(value(metrics, "cae_shadow_comparisons_total{model=\"surface\",outcome=\"live-only\"}")).isZero();
        assertThat(value(metrics, "cae_shadow_comparisons_total{model=\"surface\",outcome=\"neither\"}")).isZero();
        assertThat(value(metrics, "cae_shadow_agreement{model=\"surface\"}"))
            .isCloseTo(liveAnomalous / (double) IMAGES, within(1e-9));
        assertThat(value(metrics, "cae_shadow_score_correlation{model=\"surface\"}")).isCloseTo(1.0, within(1e-6));
      }
    }
  }

  private Map<String, List<JsonNode>> read(String bootstrap, List<String> topics, int atLeast) throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "shadow-test");
    Map<String, List<JsonNode>> out = new LinkedHashMap<>();
    topics.forEach(t -> out.put(t, new ArrayList<>()));
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(topics);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      int n = 0;
      // Then a little longer: nothing more may arrive (a shadow event on another topic would).
      long quietUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(until, quietUntil)) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          out.get(r.topic()).add(json.readTree(r.value()));
          n++;
        }
        if (n >= atLeast && quietUntil == Long.MAX_VALUE) {
          quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        }
      }
    }
    return out;
  }

  private static double value(String scrape, String series) {
    return scrape.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
        .orElseThrow(() -> new AssertionError("no series " + series + " in /metrics"));
  }
}
