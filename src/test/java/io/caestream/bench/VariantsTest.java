package io.caestream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import org.junit.jupiter.api.Test;

class VariantsTest {
  @Test
  void eachValueBecomesOneConfigurationLabelledKeyEqualsValue() {
    var variants = Variants.parse("stream.buffer.max = 1, 8,32").apply(CaeConfig.defaults());
    assertThat(variants).extracting(Variants.Variant::label)
        .containsExactly("stream.buffer.max=1", "stream.buffer.max=8", "stream.buffer.max=32");
    assertThat(variants).extracting(v -> v.config().integer(CaeConfig.STREAM_BUFFER_MAX)).containsExactly(1, 8, 32);
  }

  @Test
  void kafkaSettingsReachTheStreamsConfiguration() {
    var variants = Variants.parse("kafka.commit.interval.ms=50,100").apply(CaeConfig.defaults());
    assertThat(variants).extracting(v -> v.config().kafka().get("commit.interval.ms")).containsExactly("50", "100");
  }

  @Test
  void nothingComparedKeepsTheConfigurationUnlabelled() {
    CaeConfig c = CaeConfig.defaults();
    assertThat(Variants.NONE.apply(c)).singleElement()
        .satisfies(v -> assertThat(v.label()).isNull())
        .satisfies(v -> assertThat(v.config()).isSameAs(c));
  }

  @Test
  void badKeysAndValuesAreNamedBeforeAnythingRuns() {
    assertThatThrownBy(() -> Variants.parse("stream.bufer.max=1,8").apply(CaeConfig.defaults()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("stream.bufer.max");
    assertThatThrownBy(() -> Variants.parse("stream.buffer.max=1,lots").apply(CaeConfig.defaults()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("stream.buffer.max");
    assertThatThrownBy(() -> Variants.parse("kafka.commit.interval.ms=soon").apply(CaeConfig.defaults()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("commit.interval.ms");
    assertThatThrownBy(() -> Variants.parse("stream.buffer.max")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("KEY=VALUE1,VALUE2");
    assertThatThrownBy(() -> Variants.parse("stream.buffer.max= ,")).isInstanceOf(IllegalArgumentException.class);
  }
}
