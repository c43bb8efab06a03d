package io.caestream.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.config.CaeConfig;
import io.caestream.model.ModelLoadException;
import io.caestream.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two modes of model.calibration.mismatch as the running scorer shows them. */
class CalibrationMismatchIntegrationTest {
  private static Path mismatched(Path dir) throws Exception {
    Path models = ExternalTool.projectRoot().resolve("models");
    Path model = dir.resolve("m.onnx");
    Files.copy(models.resolve("synthetic-surface.onnx"), model);
    Files.copy(models.resolve("fashion-mnist-0.calibration.json"), dir.resolve("m.calibration.json"));
    return model;
  }

  @Test
  void warnServesAndReadinessSaysSo(@TempDir Path dir) throws Exception {
    Path model = mismatched(dir);
    try (RunningScorer s = RunningScorer.start(Map.of(CaeConfig.MODEL_PATH, model.toString(),
        CaeConfig.MODEL_CALIBRATION_MISMATCH, "warn"))) {
      s.awaitReady(Duration.ofSeconds(60));
      JsonNode ready = new ObjectMapper().readTree(s.get("/health/ready").body());
      assertThat(ready.get("status").asText()).isEqualTo("UP");
      assertThat(ready.get("calibration").asText()).contains("MISMATCH").contains("41d9ae2241cd");
    }
  }

  @Test
  void failStopsStartUpNamingTheModel(@TempDir Path dir) throws Exception {
    Path model = mismatched(dir);
    assertThatThrownBy(() -> RunningScorer.start(Map.of(CaeConfig.MODEL_PATH, model.toString())).close())
        .isInstanceOf(ModelLoadException.class).hasMessageContaining(model.toString())
        .hasMessageContaining("calibration was made for model 41d9ae2241cd");
  }
}
