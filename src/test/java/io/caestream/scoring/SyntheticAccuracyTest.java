package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.config.CaeConfig;
import io.caestream.dataset.MvtecLayout;
import io.caestream.dataset.SyntheticDatasetWriter;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.model.BatchListener;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled model on a synthetic set drawn with a seed it never saw, through the serving path. */
class SyntheticAccuracyTest {
  @Test
  void bundledModelSeparatesDefectsOnUnseenImages(@TempDir Path dir) throws Exception {
    new SyntheticDatasetWriter(new SyntheticSurfaces(64, 31337, List.of(SyntheticSurfaces.Surface.values())))
        .write(dir, 0, 160, n -> { });
    try (ScoringEngine engine = ScoringEngine.open(CaeConfig.defaults(), BatchListener.NONE)) {
      Evaluator.Report r = Evaluator.evaluate(engine.scorer(), new MvtecLayout(dir).testImages(), 4, n -> { });
      assertThat(r.images()).isEqualTo(160);
      assertThat(r.imageAuroc()).as("image AUROC").isGreaterThanOrEqualTo(0.95);
      assertThat(r.pixelAuroc()).as("pixel AUROC").isGreaterThanOrEqualTo(0.95);
      assertThat(r.perDefect()).containsOnlyKeys("crack", "hole", "missing-print", "scratch", "stain");
      assertThat(r.precision()).as("precision at the calibrated threshold").isGreaterThan(0.9);
    }
  }
}
