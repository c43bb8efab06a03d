package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RegionOverlapTest {
  private static final int W = 32;
  private static final int H = 32;

  /** A mask with rectangles [x0, y0, x1, y1) set. */
  private static byte[] mask(int[]... boxes) {
    byte[] m = new byte[W * H];
    for (int[] b : boxes) {
      for (int y = b[1]; y < b[3]; y++) {
        for (int x = b[0]; x < b[2]; x++) {
          m[y * W + x] = 1;
        }
      }
    }
    return m;
  }

  private static float[] mapOf(byte[] mask, float inside, float outside) {
    float[] map = new float[mask.length];
    for (int i = 0; i < map.length; i++) {
      map[i] = mask[i] != 0 ? inside : outside;
    }
    return map;
  }

  @Test
  void perfectMapScoresOne() {
    byte[] m = mask(new int[] {2, 2, 8, 8}, new int[] {20, 20, 22, 22});
    List<LabelledMap> set = List.of(new LabelledMap(mapOf(m, 1f, 0f), m, W, H),
        new LabelledMap(new float[W * H], new byte[W * H], W, H));
    assertThat(RegionOverlap.aupro(set, 0.3)).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void uninformativeMapScoresItsFalsePositiveRate() {
    // PRO(f) = f for a map unrelated to the defects, so the normalised area is maxFpr / 2.
    SplittableRandom rnd = new SplittableRandom(7);
    List<LabelledMap> set = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] m = i % 2 == 0 ? mask(new int[] {4, 4, 12, 12}) : new byte[W * H];
      float[] map = new float[W * H];
      for (int p = 0; p < map.length; p++) {
        map[p] = (float) rnd.nextDouble();
      }
      set.add(new LabelledMap(map, m, W, H));
    }
    assertThat(RegionOverlap.aupro(set, 0.3)).isCloseTo(0.15, within(0.01));
  }

  @Test
  void everyRegionCountsTheSameWhateverItsSize() {
    // A large stain found and a small scratch missed: most defect pixels are found (pixel AUROC
    // is high) but only half of the defects are, and PRO says so.
    byte[] large = mask(new int[] {0, 0, 20, 20});
    byte[] small = mask(new int[] {28, 28, 30, 30});
    byte[] both = new byte[W * H];
    for (int i = 0; i < both.length; i++) {
      both[i] = (byte) (large[i] | small[i]);
    }
    float[] map = mapOf(large, 1f, 0f);
    List<LabelledMap> set = List.of(new LabelledMap(map, both, W, H));
    assertThat(RegionOverlap.aupro(set, 0.3)).isCloseTo(0.5, within(1e-9));
    float[] flat = map.clone();
    byte[] labels = both.clone();
    assertThat(RankMetrics.auroc(flat, labels, flat.length)).isGreaterThan(0.98);
  }

  @Test
  void regionsAreEightConnected() {
    byte[] m = new byte[W * H];
    m[5 * W + 5] = 1;
    m[6 * W + 6] = 1; // diagonal neighbour: the same region
    m[20 * W + 20] = 1;
    assertThat(RegionOverlap.regionValues(new float[W * H], m, W, H, new int[W * H], new int[W * H]))
        .hasSize(2);
  }

  @Test
  void noDefectGivesNaN() {
    List<LabelledMap> set = List.of(new LabelledMap(new float[W * H], new byte[W * H], W, H));
    assertThat(RegionOverlap.aupro(set, 0.3)).isNaN();
  }
}
