package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caestream.testing.ExternalTool;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class ScoringSettingsTest {
  private static Calibration bundled(String model) throws Exception {
    return Calibration.read(Files.readAllBytes(
        ExternalTool.projectRoot().resolve("models").resolve(model + ".calibration.json")));
  }

  @Test
  void anotherMethodWithItsOwnThresholdCannotBorrowTheCalibrationsNormalization() throws Exception {
    Calibration c = bundled("texture-concrete");
    assertThat(c.normalization()).isNotNull();
    ScoringMethod other = c.scoringMethod() == ScoringMethod.SMOOTH_MAX ? ScoringMethod.LINE : ScoringMethod.SMOOTH_MAX;
    assertThatThrownBy(() -> ScoringSettings.from(c, 1.0, other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("normalization is for " + c.method())
        .hasMessageContaining(other.word());
    assertThat(ScoringSettings.from(c, 1.0, c.scoringMethod()).normalization()).isNotNull();
  }

  @Test
  void withoutNormalizationAnotherMethodMayUseItsOwnThreshold() throws Exception {
    Calibration c = bundled("synthetic-surface");
    assertThat(c.normalization()).isNull();
    assertThat(ScoringSettings.from(c, 0.5, ScoringMethod.SSIM).threshold()).isEqualTo(0.5);
  }
}
