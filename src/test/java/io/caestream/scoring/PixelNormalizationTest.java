package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class PixelNormalizationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Two normal maps of two planes of 2x1 pixels; plane 1 is 1000 times plane 0. */
  private static PixelNormalization twoPlanes() {
    PixelNormalization.Estimator e = new PixelNormalization.Estimator(2, 1, 2);
    e.add(new float[] {1, 2, 1000, 2000});
    e.add(new float[] {3, 4, 3000, 4000});
    return e.result();
  }

  @Test
  void eachPlaneIsNormalisedOnItsOwnScaleAndTheZScoresAdd() {
    PixelNormalization n = twoPlanes();
    assertThat(n.planes()).isEqualTo(2);
    // means 2, 3 and 2000, 3000; std sqrt(2) and 1000 sqrt(2) at both pixels
    float[] out = new float[2];
    n.apply(new float[] {2 + (float) Math.sqrt(2), 3, 2000, 3000 + 2000 * (float) Math.sqrt(2)}, out);
    assertThat(out[0]).isCloseTo(1f, within(1e-5f));
    assertThat(out[1]).isCloseTo(2f, within(1e-5f));
  }

  @Test
  void planesSurviveTheCalibrationFileAndOnePlaneWritesNoPlanesKey() throws Exception {
    PixelNormalization n = twoPlanes();
    String json = JSON.writeValueAsString(n);
    assertThat(json).contains("\"planes\":2");
    PixelNormalization back = JSON.readValue(json, PixelNormalization.class);
    float[] raw = {5, 6, 7000, 8000};
    float[] a = new float[2];
    float[] b = new float[2];
    n.apply(raw, a);
    back.apply(raw, b);
    assertThat(b).containsExactly(a);

    PixelNormalization one = PixelNormalization.estimate(java.util.List.of(new float[] {1, 2}, new float[] {3, 5}), 2, 1);
    String old = JSON.writeValueAsString(one);
    assertThat(old).as("files of one plane stay as they were").doesNotContain("planes");
    assertThat(JSON.readValue(old, PixelNormalization.class).planes()).isEqualTo(1);
  }

  @Test
  void aFileWithFewerValuesThanItsPlanesIsRefused() throws Exception {
    String json = JSON.writeValueAsString(PixelNormalization.estimate(
        java.util.List.of(new float[] {1, 2}, new float[] {3, 5}), 2, 1)).replace("{", "{\"planes\":2,");
    assertThatThrownBy(() -> JSON.readValue(json, PixelNormalization.class))
        .hasMessageContaining("expected 4");
  }
}
