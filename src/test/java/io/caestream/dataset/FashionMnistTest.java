package io.caestream.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.config.CaeConfig;
import io.caestream.model.BatchListener;
import io.caestream.scoring.Evaluator;
import io.caestream.scoring.ScoringEngine;
import io.caestream.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads Debian's Fashion-MNIST IDX files into MVTec layout and checks the bundled class-0 model on them. */
class FashionMnistTest {
  @Test
  void oneClassSetAndBundledModel(@TempDir Path dir) throws Exception {
    ExternalTool.requireThat(Files.isDirectory(FashionMnist.DEFAULT_IDX_DIR),
        FashionMnist.DEFAULT_IDX_DIR + " missing (Debian package dataset-fashion-mnist)");
    new FashionMnist(FashionMnist.DEFAULT_IDX_DIR).writeOneClass(0, dir, n -> { });
    MvtecLayout layout = new MvtecLayout(dir);
    assertThat(MvtecLayout.imagesIn(layout.trainGood())).hasSize(6000);
    assertThat(MvtecLayout.imagesIn(layout.testDir("good"))).hasSize(1000);
    assertThat(MvtecLayout.imagesIn(layout.testDir("trouser"))).hasSize(1000);
    assertThat(layout.testDir("t-shirt")).doesNotExist();
    var images = layout.testImages();
    assertThat(images).hasSize(10_000);

    Path model = ExternalTool.projectRoot().resolve("models/fashion-mnist-0.onnx");
    try (ScoringEngine engine = ScoringEngine.open(CaeConfig.defaults().with(Map.of(CaeConfig.MODEL_PATH,
        model.toString())), BatchListener.NONE)) {
      Evaluator.Report r = Evaluator.evaluate(engine.scorer(), images, 4, n -> { });
      assertThat(r.method()).isEqualTo("mse");
      assertThat(r.pixelAuroc()).as("no masks in Fashion-MNIST").isNull();
      assertThat(r.imageAuroc()).as("class 0 image AUROC").isGreaterThan(0.85);
    }
  }
}
