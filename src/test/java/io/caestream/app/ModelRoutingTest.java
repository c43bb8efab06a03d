package io.caestream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import io.caestream.image.TestImages;
import io.caestream.model.ModelLoadException;
import io.caestream.scoring.ScoringEngine;
import io.caestream.testing.TestRepository;
import io.caestream.stream.DeadLetterHeaders;
import io.caestream.stream.ScoringTopology;
import io.caestream.stream.StreamListener;
import io.caestream.stream.StreamsSettings;
import io.caestream.stream.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * model.repository + model.routes through the real topology with real models: each source is
 * scored by the model its rule names, with the rule's threshold, and a source without a rule is
 * dead-lettered as no-model.
 */
class ModelRoutingTest {
  private final ObjectMapper json = new ObjectMapper();

  private static CaeConfig config(Path repo, String routes) {
    Map<String, String> raw = new HashMap<>();
    raw.put(CaeConfig.MODEL_REPOSITORY, repo.toString());
    raw.put(CaeConfig.MODEL_ROUTES, routes);
    raw.put("kafka.bootstrap.servers", "unused:9092");
    return CaeConfig.of(raw);
  }

  @Test
  void eachSourceGoesToItsModelWithItsThreshold(@TempDir Path repo) throws Exception {
    TestRepository.addModel(repo, "surface", "synthetic-surface");
    Path fashion = TestRepository.addModel(repo, "fashion", "fashion-mnist-0");
    Files.writeString(fashion.resolve("model.properties"), "model.threshold=0.125\n");
    CaeConfig config = config(repo, "line-1/cam-*=surface, line-2/cam-1=surface;threshold=0.5,"
        + " line-2/cam-2=surface;sensitivity=4, line-3/**=fashion");
    Topics topics = Topics.from(config);
    double calibrated;
    try (ModelLine line = ModelLine.open(config);
        TopologyTestDriver driver = new TopologyTestDriver(ScoringTopology.build(topics, line.scorer(),
            StreamListener.NONE), StreamsSettings.of(config))) {
      calibrated = line.engines().get("surface").scorer().settings().threshold();
      var in = driver.createInputTopic(topics.input(), new ByteArraySerializer(), new ByteArraySerializer());
      var scores = driver.createOutputTopic(topics.scores(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      var dlq = driver.createOutputTopic(topics.deadLetters(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      byte[] png = TestImages.greyPng(64, 64);
      for (String source : new String[] {"line-1/cam-3", "line-2/cam-1", "line-2/cam-2", "line-3/a/b", "line-9/cam-1"}) {
        in.pipeInput(source.getBytes(StandardCharsets.UTF_8), png);
      }
      Map<String, JsonNode> bySource = new HashMap<>();
      for (var r : scores.readRecordsToList()) {
        JsonNode e = json.readTree(r.value());
        bySource.put(e.get("source").asText(), e);
      }
      assertThat(bySource).containsOnlyKeys("line-1/cam-3", "line-2/cam-1", "line-2/cam-2", "line-3/a/b");
      assertThat(bySource.get("line-1/cam-3").get("model").get("name").asText()).isEqualTo("surface");
      assertThat(bySource.get("line-1/cam-3").get("threshold").asDouble()).isEqualTo(calibrated);
      assertThat(bySource.get("line-1/cam-3").get("thresholdFrom").asText()).isEqualTo("calibration");
      assertThat(bySource.get("line-2/cam-1").get("threshold").asDouble()).isEqualTo(0.5);
      assertThat(bySource.get("line-2/cam-1").get("thresholdFrom").asText()).isEqualTo("route:line-2/cam-1");
      assertThat(bySource.get("line-2/cam-2").get("threshold").asDouble()).isEqualTo(calibrated / 4);
      JsonNode f = bySource.get("line-3/a/b");
      assertThat(f.get("model").get("name").asText()).isEqualTo("fashion");
      assertThat(f.get("model").get("version").asText()).as("model hash prefix . calibration hash prefix")
          .isEqualTo("41d9ae2241cd.c0e9ed98");
      assertThat(f.get("threshold").asDouble()).as("the model's model.properties").isEqualTo(0.125);
      assertThat(f.get("thresholdFrom").asText()).isEqualTo(CaeConfig.MODEL_THRESHOLD);
      var dead = dlq.readRecord();
      assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("line-9/cam-1");
      assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.REASON)).isEqualTo("no-model");
      assertThat(dead.value()).isEqualTo(png);
      assertThat(line.engines().get("surface").model()).isNotSameAs(line.engines().get("fashion").model());
    }
  }

  @Test
  void severalModelsNeedRoutesAndRoutesNeedKnownModels(@TempDir Path repo) throws Exception {
    TestRepository.addModel(repo, "surface", "synthetic-surface");
    TestRepository.addModel(repo, "fashion", "fashion-mnist-0");
    assertThatThrownBy(() -> ModelLine.open(config(repo, "")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith(CaeConfig.MODEL_ROUTES + ":");
    assertThatThrownBy(() -> ModelLine.open(config(repo, "*=gasket")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("gasket");
  }

  @Test
  void aPropertyThatCannotBeSetPerModelNamesTheFile(@TempDir Path repo) throws Exception {
    Path dir = TestRepository.addModel(repo, "surface", "synthetic-surface");
    Files.writeString(dir.resolve("model.properties"), "kafka.acks=0\n");
    assertThatThrownBy(() -> ModelLine.open(config(repo, "")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("surface/model.properties")
        .hasMessageContaining("kafka.acks");
    Files.writeString(dir.resolve("model.properties"), "scoring.method=median\n");
    assertThatThrownBy(() -> ModelLine.open(config(repo, "")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("scoring.method");
  }

  @Test
  void aRemovedFolderStopsItsRoutesOnlyWithTheNewRoutingAndAChangedOneIsSwapped(@TempDir Path repo) throws Exception {
    TestRepository.addModel(repo, "surface", "synthetic-surface");
    Path fashion = TestRepository.addModel(repo, "fashion", "fashion-mnist-0");
    try (ModelLine line = ModelLine.open(config(repo, "a/*=fashion,**=surface"))) {
      assertThat(line.reload()).as("nothing changed").isEmpty();
      assertThat(line.scorer().modelFor("a/x").name()).isEqualTo("fashion");
      ScoringEngine oldSurface = line.engines().get("surface");
      TestRepository.addModel(repo, "surface", "fashion-mnist-0");
      java.nio.file.Files.walk(fashion).sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      Map<String, String> results = line.reload();
      assertThat(results).containsEntry("fashion", "removed").containsKey("surface");
      assertThat(results.get("surface")).startsWith("loaded 41d9ae2241cd.");
      assertThat(line.scorer().modelFor("a/x").name()).as("its sources fall through to the next rule").isEqualTo("surface");
      assertThat(line.scorer().modelFor("a/x").version()).startsWith("41d9ae2241cd.");
      assertThat(line.engines()).containsOnlyKeys("surface");
      assertThatThrownBy(() -> oldSurface.scorer().score(TestImages.greyPng(64, 64)))
          .as("the replaced session is closed").isInstanceOf(RuntimeException.class);
    }
  }

  /** A shadow scores what its model scores; moving its files over the model's promotes it by reload. */
  @Test
  void aShadowScoresBesideItsModelAndMovingItsFilesPromotesIt(@TempDir Path repo) throws Exception {
    Path dir = TestRepository.addModel(repo, "surface", "synthetic-surface");
    Files.copy(TestRepository.MODELS.resolve("fashion-mnist-0.onnx"), dir.resolve("shadow.onnx"));
    Files.copy(TestRepository.MODELS.resolve("fashion-mnist-0.calibration.json"), dir.resolve("shadow.calibration.json"));
    byte[] png = TestImages.greyPng(64, 64);
    try (ModelLine line = ModelLine.open(config(repo, ""))) {
      var scored = line.scorer().score("a/b", png, io.caestream.scoring.ImageScorer.KeepMap.NEVER);
      assertThat(scored.model().name()).isEqualTo("surface");
      assertThat(scored.shadow()).isNotNull();
      assertThat(scored.shadow().model().name()).isEqualTo("surface/shadow");
      assertThat(scored.shadow().model().version()).startsWith("41d9ae2241cd.");
      assertThat(scored.shadow().result()).isNotNull();

      java.nio.file.Files.move(dir.resolve("shadow.onnx"), dir.resolve("model.onnx"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      java.nio.file.Files.move(dir.resolve("shadow.calibration.json"), dir.resolve("model.calibration.json"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(line.reload().get("surface")).startsWith("loaded 41d9ae2241cd.");
      var promoted = line.scorer().score("a/b", png, io.caestream.scoring.ImageScorer.KeepMap.NEVER);
      assertThat(promoted.model().version()).as("the shadow is the live model").startsWith("41d9ae2241cd.");
      assertThat(promoted.shadow()).as("and there is no shadow any more").isNull();
    }
  }

  @Test
  void modelPathIsARepositoryOfOne() throws Exception {
    try (ModelLine line = ModelLine.open(CaeConfig.defaults())) {
      assertThat(line.engines()).containsOnlyKeys("synthetic-surface");
    }
  }
}
