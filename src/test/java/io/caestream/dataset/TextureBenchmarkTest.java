package io.caestream.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.dataset.TextureBenchmark.Crop;
import io.caestream.dataset.TextureBenchmark.Split;
import io.caestream.dataset.TextureDefects.Defect;
import io.caestream.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The texture benchmark generator: disjoint bands, masks that match what was painted. */
class TextureBenchmarkTest {
  private static final int SIZE = 64;

  @BeforeAll
  static void packInstalled() {
    ExternalTool.requireThat(Files.isRegularFile(TexturePack.DEFAULT_PACK),
        TexturePack.DEFAULT_PACK + " missing (Debian package openarena-081-textures)");
  }

  @Test
  void trainAndTestCropsComeFromDisjointBands() throws Exception {
    try (TexturePack pack = TexturePack.open(TexturePack.DEFAULT_PACK)) {
      for (TextureSurface surface : TextureSurface.values()) {
        TextureBenchmark b = TextureBenchmark.open(pack, surface, SIZE, 1);
        assertThat(b.trainBand().overlaps(b.testBand())).as(surface.word()).isFalse();
        for (int i = 0; i < 200; i++) {
          Crop train = b.normal(Split.TRAIN, i);
          assertThat(train.y()).isGreaterThanOrEqualTo(b.trainBand().y0());
          assertThat(train.y() + SIZE).isLessThanOrEqualTo(b.trainBand().y1());
          for (Crop test : List.of(b.normal(Split.TEST, i), b.defective(i, Defect.values()[i % 6]))) {
            assertThat(test.y()).isGreaterThanOrEqualTo(b.testBand().y0());
            assertThat(test.y() + SIZE).isLessThanOrEqualTo(b.testBand().y1());
          }
          assertThat(train.x() + SIZE).isLessThanOrEqualTo(b.photoWidth());
        }
      }
    }
  }

  @Test
  void masksCoverWhatTheDefectChangedAndNothingElse() throws Exception {
    try (TexturePack pack = TexturePack.open(TexturePack.DEFAULT_PACK)) {
      for (TextureSurface surface : TextureSurface.values()) {
        TextureBenchmark b = TextureBenchmark.open(pack, surface, SIZE, 3);
        for (Defect d : Defect.values()) {
          for (int i = 0; i < 15; i++) {
            Crop c = b.defective(i, d);
            String what = surface.word() + " " + d.folder() + " #" + i;
            float[] img = c.image().pixels();
            float[] clean = c.clean().pixels();
            float[] mask = c.mask().pixels();
            boolean[] near = dilate(mask, SIZE, SIZE, 3);
            int inMask = 0;
            int changedInMask = 0;
            double diffInMask = 0;
            for (int p = 0; p < img.length; p++) {
              float diff = Math.abs(img[p] - clean[p]);
              if (!near[p]) {
                assertThat(diff).as(what + ": pixel " + p + " changed outside the mask").isLessThan(1e-6f);
              }
              if (mask[p] > 0) {
                inMask++;
                diffInMask += diff;
                changedInMask += diff > 2 / 255f ? 1 : 0;
              }
            }
            assertThat(inMask).as(what + ": mask area").isBetween(3, SIZE * SIZE / 8);
            assertThat(diffInMask / inMask).as(what + ": mean change inside the mask").isGreaterThan(0.03);
            assertThat(changedInMask / (double) inMask).as(what + ": share of mask pixels changed")
                .isGreaterThan(0.3);
          }
        }
      }
    }
  }

  @Test
  void writesOneMvtecFolderPerSurfaceWithManifestAndCropTable(@TempDir Path out) throws Exception {
    List<TextureSurface> two = List.of(TextureSurface.CONCRETE, TextureSurface.PERFORATED);
    try (TexturePack pack = TexturePack.open(TexturePack.DEFAULT_PACK)) {
      new TextureDatasetWriter(pack, SIZE, 5).write(out, two, 20, 24, n -> { });
    }
    JsonNode manifest = new ObjectMapper().readTree(out.resolve("textures.json").toFile());
    assertThat(manifest.get("surfaces")).hasSize(2);
    for (JsonNode s : manifest.get("surfaces")) {
      MvtecLayout layout = new MvtecLayout(out.resolve(s.get("name").asText()));
      assertThat(MvtecLayout.imagesIn(layout.trainGood())).hasSize(20);
      var test = layout.testImages();
      assertThat(test).hasSize(24);
      assertThat(test.stream().filter(t -> t.anomalous()).allMatch(t -> t.mask().isPresent())).isTrue();
      assertThat(test.stream().map(t -> t.label()).distinct()).hasSize(7);
      int trainEnd = s.get("trainBand").get("y1").asInt();
      int testStart = s.get("testBand").get("y0").asInt();
      assertThat(trainEnd).isLessThan(testStart);
      List<String> rows = Files.readAllLines(layout.root().resolve("crops.csv"));
      assertThat(rows).hasSize(1 + 20 + 24);
      for (String row : rows.subList(1, rows.size())) {
        String[] f = row.split(",");
        int y = Integer.parseInt(f[4]);
        if (f[1].equals("train")) {
          assertThat(y + SIZE).as(row).isLessThanOrEqualTo(trainEnd);
        } else {
          assertThat(y).as(row).isGreaterThanOrEqualTo(testStart);
        }
        assertThat(layout.root().resolve(f[0])).exists();
      }
    }
  }

  private static boolean[] dilate(float[] mask, int w, int h, int r) {
    boolean[] out = new boolean[mask.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (mask[y * w + x] <= 0) {
          continue;
        }
        for (int dy = -r; dy <= r; dy++) {
          for (int dx = -r; dx <= r; dx++) {
            int nx = x + dx;
            int ny = y + dy;
            if (nx >= 0 && ny >= 0 && nx < w && ny < h) {
              out[ny * w + nx] = true;
            }
          }
        }
      }
    }
    return out;
  }
}
