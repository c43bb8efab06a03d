package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caestream.config.CaeConfig;
import io.caestream.image.TestImages;
import io.caestream.model.BatchListener;
import io.caestream.model.ModelLoadException;
import io.caestream.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A calibration belongs to the model whose hash it records. Here the bundled surface model sits
 * beside the Fashion-MNIST model's calibration, as after a retraining that forgot to recalibrate.
 */
class CalibrationMismatchTest {
  private static final Path MODELS = ExternalTool.projectRoot().resolve("models");

  /** The surface model as {@code dir/m.onnx} with the calibration of {@code calibrationOf}. */
  static Path modelWithCalibrationOf(Path dir, String calibrationOf) throws Exception {
    Path model = dir.resolve("m.onnx");
    Files.copy(MODELS.resolve("synthetic-surface.onnx"), model);
    Files.copy(MODELS.resolve(calibrationOf + ".calibration.json"), dir.resolve("m.calibration.json"));
    return model;
  }

  private static CaeConfig config(Path model, String mode) {
    return CaeConfig.of(Map.of(CaeConfig.MODEL_PATH, model.toString(), CaeConfig.MODEL_CALIBRATION_MISMATCH, mode));
  }

  @Test
  void failModeRefusesTheModelNamingBothHashesAndTheKey(@TempDir Path dir) throws Exception {
    Path model = modelWithCalibrationOf(dir, "fashion-mnist-0");
    assertThatThrownBy(() -> ScoringEngine.open(config(model, "fail"), BatchListener.NONE))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("41d9ae2241cd").hasMessageContaining("ae0edb5c58b4")
        .hasMessageContaining(CaeConfig.MODEL_CALIBRATION_MISMATCH + "=warn");
  }

  @Test
  void failIsTheDefault(@TempDir Path dir) throws Exception {
    Path model = modelWithCalibrationOf(dir, "fashion-mnist-0");
    assertThatThrownBy(() -> ScoringEngine.open(CaeConfig.of(Map.of(CaeConfig.MODEL_PATH, model.toString())),
        BatchListener.NONE)).isInstanceOf(ModelLoadException.class);
  }

  @Test
  void warnModeServesUncalibratedAndSaysWhy(@TempDir Path dir) throws Exception {
    Path model = modelWithCalibrationOf(dir, "fashion-mnist-0");
    try (ScoringEngine engine = ScoringEngine.open(config(model, "warn"), BatchListener.NONE)) {
      assertThat(engine.calibrationProblem()).get().asString().contains("41d9ae2241cd");
      assertThat(engine.calibration()).as("the other model's calibration is not used").isEmpty();
      assertThat(engine.scorer().settings().calibrated()).isFalse();
      ScoreResult r = engine.scorer().score(TestImages.greyPng(64, 64));
      assertThat(r.anomalous()).isFalse();
      assertThat(r.threshold()).isNaN();
      assertThat(r.score()).isPositive();
      // JSON has no NaN: the event carries no threshold rather than a string "NaN".
      String json = new String(io.caestream.stream.ScoreEvent.of("i", "cam", r,
          new io.caestream.stream.ScoreEvent.Model("m", "v", "cpu"), 0, 1,
          new io.caestream.stream.ScoreEvent.Input("t", 0, 0)).toJson(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(json).contains("\"threshold\":null").contains("\"normalizedScore\":null").doesNotContain("NaN");
    }
  }

  @Test
  void warnModeWithAConfiguredThresholdUsesIt(@TempDir Path dir) throws Exception {
    Path model = modelWithCalibrationOf(dir, "fashion-mnist-0");
    CaeConfig c = config(model, "warn").with(Map.of(CaeConfig.MODEL_THRESHOLD, "0.5"));
    try (ScoringEngine engine = ScoringEngine.open(c, BatchListener.NONE)) {
      assertThat(engine.calibrationProblem()).isPresent();
      assertThat(engine.scorer().settings().threshold()).isEqualTo(0.5);
    }
  }

  @Test
  void aCalibrationWithoutHashIsAMismatch(@TempDir Path dir) throws Exception {
    Path model = modelWithCalibrationOf(dir, "synthetic-surface");
    Path cal = dir.resolve("m.calibration.json");
    Files.writeString(cal, Files.readString(cal).replaceAll("\"modelSha256\"\\s*:\\s*\"[0-9a-f]+\"", "\"modelSha256\" : null"));
    assertThatThrownBy(() -> ScoringEngine.open(config(model, "fail"), BatchListener.NONE))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("records no model hash");
  }

  @Test
  void itsOwnCalibrationLoadsInBothModes(@TempDir Path dir) throws Exception {
    Path model = modelWithCalibrationOf(dir, "synthetic-surface");
    for (String mode : new String[] {"fail", "warn"}) {
      try (ScoringEngine engine = ScoringEngine.open(config(model, mode), BatchListener.NONE)) {
        assertThat(engine.calibrationProblem()).isEmpty();
        assertThat(engine.calibration()).isPresent();
        assertThat(engine.scorer().settings().calibrated()).isTrue();
      }
    }
  }

  @Test
  void calibrateIgnoresTheMismatchItIsAboutToRepair(@TempDir Path dir) throws Exception {
    Path model = modelWithCalibrationOf(dir, "fashion-mnist-0");
    try (ScoringEngine engine = ScoringEngine.open(config(model, "fail"), BatchListener.NONE,
        ScoringEngine.Purpose.CALIBRATE)) {
      assertThat(engine.calibrationProblem()).isEmpty();
    }
  }
}
