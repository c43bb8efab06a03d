package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LineErrorTest {
  private static final int W = 48;
  private static final int H = 40;

  @Test
  void everyKernelIsALineThroughTheCentreWithUnitWeight() {
    for (int o = 0; o < LineError.ORIENTATIONS; o++) {
      double angle = Math.PI * o / LineError.ORIENTATIONS;
      float[] k = LineError.kernel(angle);
      int side = LineError.LENGTH;
      double sum = 0;
      double offLine = 0;
      for (int i = 0; i < k.length; i++) {
        sum += k[i];
        double dx = i % side - side / 2;
        double dy = i / side - side / 2;
        // distance of the tap from the line through the centre at this angle
        double distance = Math.abs(-Math.sin(angle) * dx + Math.cos(angle) * dy);
        if (distance > 1.5) {
          offLine += k[i];
        }
      }
      assertThat(sum).as("orientation %d", o).isCloseTo(1.0, within(1e-5));
      assertThat(offLine).as("weight away from the line, orientation %d", o).isZero();
      assertThat(k[(side / 2) * side + side / 2]).as("the centre lies on every line").isPositive();
    }
  }

  @Test
  void aFaintLineInNoiseOutscoresTheNoise() {
    SplittableRandom rnd = new SplittableRandom(3);
    float[] input = new float[W * H];
    float[] recon = new float[W * H];
    for (int i = 0; i < input.length; i++) {
      recon[i] = 0.5f;
      input[i] = 0.5f + (float) (0.05 * gaussian(rnd));
    }
    // a diagonal scratch of two noise sigmas: thousands of noise pixels are brighter
    for (int t = 0; t < 20; t++) {
      input[(10 + t) * W + 12 + t] += 0.1f;
    }
    float[] map = new float[W * H];
    new LineError(W, H).map(input, recon, 1, map);
    double onLine = 0;
    for (int t = 4; t < 16; t++) {
      onLine += map[(10 + t) * W + 12 + t];
    }
    onLine /= 12;
    // Near the border the replicated edge pixels are averaged several times over, so the noise
    // there is louder (per-pixel normalization takes care of that in scoring); compare inside.
    int b = LineError.LENGTH / 2;
    float elsewhere = 0;
    for (int y = b; y < H - b; y++) {
      for (int x = b; x < W - b; x++) {
        if (Math.abs((y - 10) - (x - 12)) > 4) {
          elsewhere = Math.max(elsewhere, map[y * W + x]);
        }
      }
    }
    assertThat(onLine).as("mean energy along the scratch vs the largest elsewhere").isGreaterThan(1.5 * elsewhere);
  }

  @Test
  void aBrightnessOffsetOrAPerfectReconstructionScoresNothing() {
    float[] input = new float[2 * W * H];
    float[] recon = new float[2 * W * H];
    for (int i = 0; i < input.length; i++) {
      input[i] = 0.3f + 0.001f * (i % 97);
      recon[i] = input[i] - 0.2f;
    }
    float[] map = new float[W * H];
    new LineError(W, H).map(input, recon, 2, map);
    for (float v : map) {
      assertThat(v).isCloseTo(0f, within(1e-9f));
    }
  }

  @Test
  void aVerticalStepIsFoundAtItsEdgeInEveryChannelAverage() {
    float[] input = new float[2 * W * H];
    float[] recon = new float[2 * W * H];
    for (int y = 0; y < H; y++) {
      input[y * W + 30] = 0.4f;          // channel 0: a one-pixel vertical line
      input[W * H + y * W + 30] = 0.2f;  // channel 1: the same, fainter
    }
    float[] map = new float[W * H];
    new LineError(W, H).map(input, recon, 2, map);
    int worst = ErrorMaps.argMax(map, map.length);
    assertThat(worst % W).isEqualTo(30);
    // the line mean is the channel mean 0.3, less the 15x15 mean 0.3/15
    float expected = 0.3f - 0.3f / LineError.LENGTH;
    assertThat(map[(H / 2) * W + 30]).isCloseTo(expected * expected, within(1e-5f));
  }

  private static double gaussian(SplittableRandom rnd) {
    return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
  }
}
