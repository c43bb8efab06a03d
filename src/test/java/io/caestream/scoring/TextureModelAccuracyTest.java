package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.config.CaeConfig;
import io.caestream.dataset.MvtecLayout;
import io.caestream.dataset.TextureDatasetWriter;
import io.caestream.dataset.TexturePack;
import io.caestream.dataset.TextureSurface;
import io.caestream.model.BatchListener;
import io.caestream.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled texture models on photographed surfaces, with test crops and defects drawn with a
 * seed that neither training nor calibration used (seed 1 made their data), through the serving
 * path, each with its calibrated scoring ({@code line} for the diamond plate, {@code contrast} for
 * concrete). Measured with seed 77: diamond-plate image 0.995 / pixel 0.988, concrete
 * 0.756 / 0.880 (with {@code line}: 0.746 / 0.813; with {@code smooth-max}: 0.970 / 0.968 and
 * 0.730 / 0.795); the floors leave room for ONNX Runtime builds, not for a worse model.
 */
class TextureModelAccuracyTest {
  @BeforeAll
  static void packInstalled() {
    ExternalTool.requireThat(Files.isRegularFile(TexturePack.DEFAULT_PACK),
        TexturePack.DEFAULT_PACK + " missing (Debian package openarena-081-textures)");
  }

  @Test
  void diamondPlateModelFindsDefectsOnUnseenCrops(@TempDir Path dir) throws Exception {
    Evaluator.Report r = evaluate(dir, TextureSurface.DIAMOND_PLATE, "texture-diamond-plate");
    assertThat(r.imageAuroc()).as("image AUROC").isGreaterThanOrEqualTo(0.95);
    assertThat(r.pixelAuroc()).as("pixel AUROC").isGreaterThanOrEqualTo(0.95);
  }

  /** A stochastic surface: the README's table says how far this is from the regular ones. */
  @Test
  void concreteModelIsWellAboveChance(@TempDir Path dir) throws Exception {
    Evaluator.Report r = evaluate(dir, TextureSurface.CONCRETE, "texture-concrete");
    assertThat(r.imageAuroc()).as("image AUROC").isGreaterThanOrEqualTo(0.70);
    assertThat(r.pixelAuroc()).as("pixel AUROC").isGreaterThanOrEqualTo(0.84);
  }

  private static Evaluator.Report evaluate(Path dir, TextureSurface surface, String model) throws Exception {
    try (TexturePack pack = TexturePack.open(TexturePack.DEFAULT_PACK)) {
      new TextureDatasetWriter(pack, 64, 77).write(dir, List.of(surface), 0, 240, n -> { });
    }
    Path onnx = ExternalTool.projectRoot().resolve("models").resolve(model + ".onnx");
    CaeConfig config = CaeConfig.defaults().with(Map.of(CaeConfig.MODEL_PATH, onnx.toString()));
    try (ScoringEngine engine = ScoringEngine.open(config, BatchListener.NONE)) {
      Evaluator.Report r = Evaluator.evaluate(engine.scorer(),
          new MvtecLayout(dir.resolve(surface.word())).testImages(), 2, n -> { });
      assertThat(r.images()).isEqualTo(240);
      return r;
    }
  }
}
