package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LocalContrastTest {
  private static final int W = 48;
  private static final int H = 48;

  /** A checkerboard of amplitude {@code a} around 0.5. */
  private static float[] board(float a) {
    float[] p = new float[W * H];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        p[y * W + x] = 0.5f + (((x + y) & 1) == 0 ? a : -a);
      }
    }
    return p;
  }

  @Test
  void aReconstructionWithTheSameContrastScoresNothingWhateverItsBrightness() {
    float[] input = board(0.1f);
    float[] recon = board(0.1f);
    for (int i = 0; i < recon.length; i++) {
      recon[i] -= 0.2f;
    }
    float[] map = new float[W * H];
    new LocalContrast(W, H).map(input, recon, 1, map);
    for (float v : map) {
      assertThat(v).isCloseTo(0f, within(1e-6f));
    }
  }

  @Test
  void halfTheContrastAndTwiceTheContrastCountAlike() {
    float[] normal = board(0.1f);
    float[] halved = board(0.05f);
    float[] map = new float[W * H];
    LocalContrast c = new LocalContrast(W, H);
    c.map(halved, normal, 1, map);
    float lost = map[(H / 2) * W + W / 2];
    c.map(normal, halved, 1, map);
    float gained = map[(H / 2) * W + W / 2];
    double expected = Math.pow(Math.log((0.1 + LocalContrast.EPSILON) / (0.05 + LocalContrast.EPSILON)), 2);
    assertThat(lost).isCloseTo((float) expected, within(2e-3f));
    assertThat(gained).isCloseTo(lost, within(1e-5f));
  }

  @Test
  void aSmoothedPatchIsFoundWhereItIs() {
    float[] input = board(0.1f);
    float[] recon = board(0.1f);
    for (int y = 30; y < 40; y++) {
      for (int x = 5; x < 15; x++) {
        input[y * W + x] = 0.5f; // a stain that flattened the grain; the reconstruction repaired it
      }
    }
    float[] map = new float[W * H];
    new LocalContrast(W, H).map(input, recon, 1, map);
    int worst = ErrorMaps.argMax(map, map.length);
    assertThat(worst / W).isBetween(30, 39);
    assertThat(worst % W).isBetween(5, 14);
    assertThat(map[10 * W + 35]).as("far from the patch").isCloseTo(0f, within(1e-6f));
  }
}
