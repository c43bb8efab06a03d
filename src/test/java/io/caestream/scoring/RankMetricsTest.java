package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RankMetricsTest {
  @Test
  void aurocOfPerfectRandomAndInvertedRankings() {
    boolean[] labels = {false, false, true, true};
    assertThat(RankMetrics.auroc(new double[] {0.1, 0.2, 0.8, 0.9}, labels)).isEqualTo(1.0);
    assertThat(RankMetrics.auroc(new double[] {0.9, 0.8, 0.2, 0.1}, labels)).isEqualTo(0.0);
    assertThat(RankMetrics.auroc(new double[] {0.5, 0.5, 0.5, 0.5}, labels)).isEqualTo(0.5);
    // One of four positive-negative pairs misordered.
    assertThat(RankMetrics.auroc(new double[] {0.1, 0.85, 0.8, 0.9}, labels)).isEqualTo(0.75);
  }

  @Test
  void pixelAurocAgreesWithTheBoxedVersion() {
    java.util.Random rnd = new java.util.Random(3);
    int n = 5000;
    double[] s = new double[n];
    float[] f = new float[n];
    boolean[] l = new boolean[n];
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      l[i] = rnd.nextDouble() < 0.2;
      b[i] = (byte) (l[i] ? 1 : 0);
      f[i] = (float) Math.round((rnd.nextGaussian() + (l[i] ? 1 : 0)) * 20) / 20f + 5;
      s[i] = f[i];
    }
    assertThat(RankMetrics.auroc(f, b, n)).isCloseTo(RankMetrics.auroc(s, l), within(1e-9));
  }

  @Test
  void averagePrecisionAndF1() {
    boolean[] labels = {false, true, false, true};
    double[] scores = {0.1, 0.9, 0.6, 0.4};
    // Ranked: 0.9(+) 0.6(-) 0.4(+) 0.1(-): AP = 0.5*1 + 0.5*(2/3)
    assertThat(RankMetrics.averagePrecision(scores, labels)).isCloseTo(0.5 + 1.0 / 3, within(1e-12));
    RankMetrics.AtThreshold at = RankMetrics.atThreshold(scores, labels, 0.5);
    assertThat(at.tp()).isEqualTo(1);
    assertThat(at.fp()).isEqualTo(1);
    assertThat(at.fn()).isEqualTo(1);
    assertThat(at.f1()).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void quantilesAndStats() {
    double[] v = {4, 1, 3, 2, 5};
    assertThat(RankMetrics.quantile(v, 0.5)).isEqualTo(3);
    assertThat(RankMetrics.quantile(v, 0.25)).isEqualTo(2);
    Calibration.Stats s = RankMetrics.stats(v);
    assertThat(s.min()).isEqualTo(1);
    assertThat(s.max()).isEqualTo(5);
    assertThat(s.mean()).isEqualTo(3);
    assertThat(s.std()).isCloseTo(Math.sqrt(2.5), within(1e-12));
  }
}
