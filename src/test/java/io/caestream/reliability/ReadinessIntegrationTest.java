package io.caestream.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.caestream.app.ScorerApp;
import io.caestream.config.CaeConfig;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.embedded.EmbeddedKafka;
import io.caestream.stream.StreamHealth;
import io.caestream.stream.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * /health/ready against a real crash loop: the scores topic is changed under a running scorer to
 * refuse every event, so each replaced stream thread fails on the same image while Kafka Streams
 * reports RUNNING in between. The probe must say not ready ("failing") from the first failure,
 * and ready again once the topic is fixed and a thread commits.
 */
class ReadinessIntegrationTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aCrashLoopIsNotReadyAndRecoveryIs() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.startWithDefaultLimits(0, Map.of())) {
      Topics topics = new Topics("images", "image-scores", "anomalies", "images-dlq");
      kafka.createTopics(topics.all(), 1);
      Map<String, String> raw = new LinkedHashMap<>();
      raw.put("kafka.bootstrap.servers", kafka.bootstrapServers());
      raw.put(CaeConfig.APPLICATION_ID, "readiness");
      raw.put(CaeConfig.HTTP_HOST, "127.0.0.1");
      raw.put(CaeConfig.HTTP_PORT, "0");
      raw.put("kafka.num.stream.threads", "1");
      // Long: recovery must come from a commit, not from the failure ageing out.
      raw.put(CaeConfig.HEALTH_STALL_MS, "600000");
      try (ScorerApp app = ScorerApp.start(CaeConfig.of(raw));
          Admin admin = kafka.admin();
          KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(),
              new ByteArraySerializer(), new ByteArraySerializer())) {
        byte[] png = new SyntheticSurfaces(64, 3, List.of(SyntheticSurfaces.Surface.values())).normal(0).image().toPng();
        producer.send(new ProducerRecord<>(topics.input(), key(), png)).get(30, TimeUnit.SECONDS);
        await("ready and the first image committed", () -> app.metrics().count("normal")
            + app.metrics().count("anomalous") >= 1 && status(app) == 200);

        setScoresLimit(admin, topics.scores(), "200");
        producer.send(new ProducerRecord<>(topics.input(), key(), png)).get(30, TimeUnit.SECONDS);
        await("a stream thread failed on the refused event", () -> app.threadFailures() >= 1);
        // Kafka Streams goes back to RUNNING with the replacement; the probe must not.
        for (int i = 0; i < 5; i++) {
          HttpResponse<String> r = get(app);
          assertThat(r.statusCode()).as("probe %s during the crash loop: %s", i, r.body()).isEqualTo(503);
          assertThat(r.body()).contains("\"streamThreads\":\"" + StreamHealth.FAILING + "\"");
        }
        setScoresLimit(admin, topics.scores(), "1048588");
        await("ready again after the topic was fixed (failures " + app.threadFailures() + ")",
            () -> app.state() == KafkaStreams.State.RUNNING && status(app) == 200);
        assertThat(app.threadFailures()).as("the policy did not give up").isLessThan(4);
      }
    }
  }

  private static byte[] key() {
    return "line-2/cam-1".getBytes(StandardCharsets.UTF_8);
  }

  private static void setScoresLimit(Admin admin, String topic, String bytes) throws Exception {
    admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic),
        List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, bytes), AlterConfigOp.OpType.SET))))
        .all().get(30, TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(ScorerApp app) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/health/ready"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private int status(ScorerApp app) {
    try {
      return get(app).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }
}
