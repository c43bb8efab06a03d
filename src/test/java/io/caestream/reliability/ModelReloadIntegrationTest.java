package io.caestream.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.app.ScorerApp;
import io.caestream.config.CaeConfig;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.embedded.EmbeddedKafka;
import io.caestream.model.ModelSource;
import io.caestream.stream.ExactlyOnceVerifier;
import io.caestream.stream.Topics;
import io.caestream.testing.TestRepository;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload on a real broker under exactly-once: three cameras routed to two models while images
 * flow; one model's folder is replaced by a symlink swap (as a mounted ConfigMap does it) with
 * another model and calibration, then a broken model is dropped in. Every input must have exactly
 * one result, the replaced model's events must switch version once per partition and never back,
 * the broken model is refused while scoring goes on, and the scorer never restarts.
 */
class ModelReloadIntegrationTest {
  private static final int IMAGES = 900;
  private static final String[] CAMERAS = {"line-1/cam-1", "line-1/cam-2", "line-2/cam-1"};

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aModelReplacedMidStreamLosesAndDuplicatesNothing(@TempDir Path dir) throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    TestRepository.addModel(repo, "housing", "synthetic-surface");
    Path v1 = TestRepository.addModel(dir.resolve("versions"), "gasket-v1", "synthetic-surface");
    Path v2 = TestRepository.addModel(dir.resolve("versions"), "gasket-v2", "fashion-mnist-0");
    Files.createSymbolicLink(repo.resolve("gasket"), v1);
    Map<String, Object> figures = new LinkedHashMap<>();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
      Map<String, String> raw = new LinkedHashMap<>();
      raw.put("kafka.bootstrap.servers", kafka.bootstrapServers());
      raw.put("kafka.num.stream.threads", "2");
      raw.put(CaeConfig.HTTP_PORT, "0");
      raw.put(CaeConfig.HTTP_HOST, "127.0.0.1");
      raw.put(CaeConfig.HTTP_ADMIN_ENABLED, "true");
      raw.put(CaeConfig.MODEL_REPOSITORY, repo.toString());
      raw.put(CaeConfig.MODEL_ROUTES, "line-1/*=housing,line-2/**=gasket");
      raw.put(CaeConfig.MODEL_REPOSITORY_POLL_MS, "300");
      CaeConfig config = CaeConfig.of(raw);
      Topics topics = Topics.from(config);
      kafka.createTopics(topics.all(), 3);
      try (ScorerApp app = ScorerApp.start(config)) {
        String oldVersion = app.engines().get("gasket").version();
        String housingVersion = app.engines().get("housing").version();
        await("RUNNING", Duration.ofSeconds(60), () -> app.state() == KafkaStreams.State.RUNNING);
        SyntheticSurfaces gen = new SyntheticSurfaces(64, 99, List.of(SyntheticSurfaces.Surface.values()));
        Map<Integer, Long> perPartition = new ConcurrentHashMap<>();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
            new ByteArraySerializer())) {
          List<Future<RecordMetadata>> sent = new ArrayList<>();
          for (int i = 0; i < IMAGES; i++) {
            sent.add(producer.send(new ProducerRecord<>(topics.input(),
                CAMERAS[i % CAMERAS.length].getBytes(StandardCharsets.UTF_8), gen.streamSample(i, 0.1).image().toPng())));
            Thread.sleep(5);
            if (i == IMAGES / 3) {
              // The ConfigMap way: a new link renamed over the old one, atomically.
              Path tmp = repo.resolve("..gasket.tmp");
              Files.createSymbolicLink(tmp, v2);
              Files.move(tmp, repo.resolve("gasket"), StandardCopyOption.ATOMIC_MOVE);
              long swapped = System.nanoTime();
              await("gasket reloaded", Duration.ofSeconds(60),
                  () -> !app.engines().get("gasket").version().equals(oldVersion));
              figures.put("reloadMsAfterSwap", (System.nanoTime() - swapped) / 1_000_000);
            }
            if (i == 2 * IMAGES / 3) {
              Path broken = Files.createDirectories(repo.resolve("broken"));
              // With a calibration that names its hash: it must be the model itself that is refused.
              byte[] junk = "this is not an ONNX model".getBytes(StandardCharsets.UTF_8);
              Files.writeString(broken.resolve("model.calibration.json"), Files.readString(v1.resolve("model.calibration.json"))
                  .replaceAll("\"modelSha256\"\\s*:\\s*\"[0-9a-f]+\"", "\"modelSha256\" : \"" + ModelSource.sha256(junk) + "\""));
              Files.write(broken.resolve("model.onnx"), junk);
              await("broken refused", Duration.ofSeconds(60), () -> reloads(app, "broken", "refused") == 1);
            }
          }
          for (Future<RecordMetadata> f : sent) {
            perPartition.merge(f.get().partition(), 1L, Long::sum);
          }
        }
        ExactlyOnceVerifier.Verdict v = ExactlyOnceVerifier.verify(kafka.bootstrapServers(), topics, perPartition,
            Duration.ofMinutes(2));
        figures.put("results", v.results());
        figures.put("missing", v.missing().size());
        figures.put("duplicated", v.duplicated().size());
        assertThat(v.missing()).as("inputs without a result").isEmpty();
        assertThat(v.duplicated()).as("inputs with more than one result").isEmpty();
        assertThat(v.results()).isEqualTo(IMAGES);
        assertThat(v.deadLetterReasons()).as("no image was dead-lettered").isEmpty();

        String newVersion = app.engines().get("gasket").version();
        assertThat(newVersion).startsWith("41d9ae2241cd.");
        Map<String, Map<Integer, TreeMap<Long, String>>> versions = versionsBySource(kafka.bootstrapServers(), topics);
        assertThat(versions.get("line-1/cam-1").values().stream().flatMap(m -> m.values().stream()).distinct())
            .as("the untouched model kept its version").containsExactly(housingVersion);
        for (TreeMap<Long, String> byOffset : versions.get("line-2/cam-1").values()) {
          List<String> sequence = new ArrayList<>(byOffset.values());
          int firstNew = sequence.indexOf(newVersion);
          assertThat(firstNew).as("old version first, then the new one").isPositive();
          assertThat(sequence.subList(0, firstNew)).as("before the swap").containsOnly(oldVersion);
          assertThat(sequence.subList(firstNew, sequence.size())).as("after the swap, never back").containsOnly(newVersion);
          figures.put("gasketEventsOld", firstNew);
          figures.put("gasketEventsNew", sequence.size() - firstNew);
        }
        assertThat(reloads(app, "gasket", "loaded")).isEqualTo(1);
        assertThat(app.engines()).as("the broken model never served").doesNotContainKey("broken");
        assertThat(app.threadFailures()).as("no stream thread failed").isZero();
        assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
        assertThat(app.registry().scrape()).contains("cae_model_info{model=\"gasket\",provider=\"cpu\",version=\""
            + newVersion + "\"} 1").doesNotContain("version=\"" + oldVersion + "\"} 1\ncae_model_info{model=\"gasket\"");

        // The admin trigger: nothing changed since the watcher's last pass.
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + app.httpPort() + "/admin/reload"))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{}");
      }
    }
    System.out.println("model reload figures " + new ObjectMapper().writeValueAsString(figures));
  }

  private static double reloads(ScorerApp app, String model, String result) {
    var c = app.registry().find("cae.model.reloads").tag("model", model).tag("result", result).counter();
    return c == null ? 0 : c.count();
  }

  /** source -> input partition -> input offset -> model.version of its score event. */
  private static Map<String, Map<Integer, TreeMap<Long, String>>> versionsBySource(String bootstrap, Topics topics)
      throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "versions-" + System.nanoTime());
    Map<String, Map<Integer, TreeMap<Long, String>>> out = new TreeMap<>();
    ObjectMapper json = new ObjectMapper();
    int seen = 0;
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topics.scores()));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (seen < IMAGES && System.nanoTime() < deadline) {
        for (var r : c.poll(Duration.ofMillis(500))) {
          JsonNode e = json.readTree(r.value());
          out.computeIfAbsent(e.get("source").asText(), k -> new TreeMap<>())
              .computeIfAbsent(e.get("input").get("partition").asInt(), k -> new TreeMap<>())
              .put(e.get("input").get("offset").asLong(), e.get("model").get("version").asText());
          seen++;
        }
      }
    }
    assertThat(seen).isEqualTo(IMAGES);
    return out;
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(50);
    }
  }
}
