package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ErrorMapsTest {
  @Test
  void squaredErrorAveragesChannels() {
    float[] in = {1, 0, /* g */ 1, 0, /* b */ 1, 0};
    float[] rec = {0, 0, 0.5f, 0, 1, 1};
    float[] map = new float[2];
    ErrorMaps.squaredError(in, rec, 3, 2, map);
    assertThat(map[0]).isCloseTo((1 + 0.25f + 0) / 3, within(1e-6f));
    assertThat(map[1]).isCloseTo(1f / 3, within(1e-6f));
  }

  @Test
  void smoothingKeepsMassAndFlattensNoise() {
    float[] map = new float[32 * 32];
    map[16 * 32 + 16] = 1;
    float[] tmp = new float[map.length];
    float[] out = new float[map.length];
    new GaussianSmoother(2.0).smooth(map, 32, 32, tmp, out);
    double sum = 0;
    for (float v : out) {
      sum += v;
    }
    assertThat(sum).isCloseTo(1.0, within(1e-4));
    assertThat(ErrorMaps.argMax(out, out.length)).isEqualTo(16 * 32 + 16);
    assertThat(out[16 * 32 + 16]).isLessThan(0.1f);
  }

  @Test
  void regionIsTheConnectedAreaAroundTheWorstPixel() {
    int w = 20;
    int h = 10;
    float[] map = new float[w * h];
    // A 4x3 blob at (5,2) and a separate, weaker blob far away.
    for (int y = 2; y < 5; y++) {
      for (int x = 5; x < 9; x++) {
        map[y * w + x] = 0.5f;
      }
    }
    map[3 * w + 6] = 0.9f;
    map[8 * w + 17] = 0.4f;
    Region r = RegionFinder.find(map, w, h, 0.3f, new int[w * h], new boolean[w * h]);
    assertThat(r).isEqualTo(new Region(5, 2, 4, 3, 6.0, 0.9f));
    assertThat(RegionFinder.findAll(map, w, h, 0.3f, 5, new int[w * h], new boolean[w * h]))
        .as("both blobs, worst first").extracting(Region::peak).containsExactly((double) 0.9f, (double) 0.4f);
    Region quiet = RegionFinder.find(map, w, h, 0.95f, new int[w * h], new boolean[w * h]);
    assertThat(quiet).isEqualTo(new Region(6, 3, 1, 1, 0.5, 0.9f));
  }
}
