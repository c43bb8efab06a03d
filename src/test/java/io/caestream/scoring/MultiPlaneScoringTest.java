package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caestream.config.CaeConfig;
import io.caestream.dataset.CalibrationImages;
import io.caestream.dataset.GreyImage;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.model.BatchListener;
import io.caestream.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A method of two error planes through the whole scoring path, for whole images and for tiled
 * frames: calibration keeps a normalization per plane in the file, serving reads it back, and a
 * hole scores above every normal image.
 */
class MultiPlaneScoringTest {
  static final ScoringMethod METHOD = ScoringMethod.LINE_CONTRAST;

  @ParameterizedTest
  @ValueSource(ints = {64, 160})
  void twoPlanesAreCalibratedStoredAndScored(int size, @TempDir Path dir) throws Exception {
    assertThat(METHOD.planes()).hasSize(2);
    SyntheticSurfaces surfaces = new SyntheticSurfaces(size, 16, 5, List.of(SyntheticSurfaces.Surface.METAL));
    List<Path> normals = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Path f = dir.resolve(String.format("normal-%02d.png", i));
      surfaces.normal(i).image().writePng(f);
      normals.add(f);
    }
    Path model = dir.resolve("m.onnx");
    Files.copy(ExternalTool.projectRoot().resolve("models/synthetic-surface.onnx"), model);
    CaeConfig config = CaeConfig.defaults().with(Map.of(CaeConfig.MODEL_PATH, model.toString(),
        CaeConfig.IMAGE_FIT, size == 64 ? "resize" : "tile", CaeConfig.SCORING_METHOD, METHOD.word()));
    CalibrationImages.Choice choice = CalibrationImages.alternate(normals, "normals");
    Calibration c;
    try (ScoringEngine raw = ScoringEngine.open(config, BatchListener.NONE, ScoringEngine.Purpose.CALIBRATE)) {
      c = Calibrator.calibrate(raw.scorer(), choice.files(), choice.normalization(), 0.995,
          raw.model().metadata().sha256(), 2, n -> { });
    }
    c.write(dir.resolve("m.calibration.json"));
    assertThat(c.method()).isEqualTo(METHOD.word());
    assertThat(Files.readString(dir.resolve("m.calibration.json"))).contains("\"planes\" : 2");

    GreyImage holed = surfaces.normal(1000).image();
    int cx = size / 2 + 3;
    int cy = size / 3;
    for (int y = cy - 4; y <= cy + 4; y++) {
      for (int x = cx - 4; x <= cx + 4; x++) {
        holed.set(x, y, 0.03f);
      }
    }
    try (ScoringEngine engine = ScoringEngine.open(config, BatchListener.NONE)) {
      assertThat(engine.scorer().settings().normalization().planes()).isEqualTo(2);
      double worstNormal = Double.NEGATIVE_INFINITY;
      for (int i = 2000; i < 2010; i++) {
        worstNormal = Math.max(worstNormal, engine.scorer().score(surfaces.normal(i).image().toPng()).score());
      }
      ScoreResult r = engine.scorer().score(holed.toPng());
      assertThat(r.score()).as("the hole against the worst of 10 unseen normal images").isGreaterThan(worstNormal);
      assertThat(r.anomalous()).isTrue();
      Region top = r.region();
      assertThat(top).isNotNull();
      assertThat(Math.abs(top.x() + top.width() / 2.0 - cx)).as("region centre x").isLessThan(8);
      assertThat(Math.abs(top.y() + top.height() / 2.0 - cy)).as("region centre y").isLessThan(8);
    }
  }

  @Test
  void addingZScoresWithoutTheNormalizationIsRefusedAtCalibration(@TempDir Path dir) throws Exception {
    Path normal = dir.resolve("n.png");
    new SyntheticSurfaces(64, 5, List.of(SyntheticSurfaces.Surface.METAL)).normal(0).image().writePng(normal);
    CaeConfig config = CaeConfig.defaults().with(Map.of(CaeConfig.SCORING_METHOD, METHOD.word()));
    try (ScoringEngine raw = ScoringEngine.open(config, BatchListener.NONE, ScoringEngine.Purpose.CALIBRATE)) {
      assertThatThrownBy(() -> Calibrator.calibrate(raw.scorer(), List.of(normal), List.of(), 0.995,
          raw.model().metadata().sha256(), 1, n -> { }))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(METHOD.word()).hasMessageContaining("--normalize pixel");
    }
  }
}
