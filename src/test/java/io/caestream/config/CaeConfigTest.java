package io.caestream.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CaeConfigTest {
  @Test
  void defaultsMatchTheDesign() {
    CaeConfig c = CaeConfig.defaults();
    assertThat(c.string(CaeConfig.INPUT_TOPIC)).isEqualTo("images");
    assertThat(c.string(CaeConfig.SCORES_TOPIC)).isEqualTo("image-scores");
    assertThat(c.string(CaeConfig.ANOMALIES_TOPIC)).isEqualTo("anomalies");
    assertThat(c.string(CaeConfig.DLQ_TOPIC)).isEqualTo("images-dlq");
    assertThat(c.string(CaeConfig.APPLICATION_ID)).isEqualTo("cae-stream");
    assertThat(c.string(CaeConfig.MODEL_PROVIDER)).isEqualTo("cpu");
    assertThat(c.bool(CaeConfig.MODEL_PROVIDER_FALLBACK)).isTrue();
    assertThat(c.integer(CaeConfig.HTTP_PORT)).isEqualTo(9400);
    assertThat(c.optionalNumber(CaeConfig.MODEL_THRESHOLD)).isNull();
    assertThat(c.bool(CaeConfig.HTTP_VIEWER_ENABLED)).as("camera images are not served unless asked").isFalse();
    assertThat(c.string(CaeConfig.HTTP_AUTH_USER)).isEmpty();
    assertThat(c.string(CaeConfig.LOG_FORMAT)).isEqualTo("text");
  }

  @Test
  void theViewerPasswordIsASecret() {
    CaeConfig c = CaeConfig.load(null, Map.of("CAE_HTTP_AUTH_USER", "viewer", "CAE_HTTP_AUTH_PASSWORD", "pw-do-not-show"));
    assertThat(c.string(CaeConfig.HTTP_AUTH_PASSWORD)).isEqualTo("pw-do-not-show");
    assertThat(c.describe()).containsEntry(CaeConfig.HTTP_AUTH_PASSWORD, "******").containsEntry(CaeConfig.HTTP_AUTH_USER, "viewer");
    assertThat(CaeConfig.KEYS.stream().filter(k -> k.name().equals(CaeConfig.HTTP_AUTH_PASSWORD)).findFirst().orElseThrow().secret()).isTrue();
    assertThat(CaeConfig.help()).containsPattern("http\\.auth\\.password\\s+string\\s+\\*{6}");
  }

  @Test
  void environmentOverridesAndKafkaPassThrough() {
    CaeConfig c = CaeConfig.load(null, Map.of("CAE_MODEL_BATCH_MAX", "16",
        "CAE_KAFKA_SASL_JAAS_CONFIG", "secret-jaas", "CAE_KAFKA_BOOTSTRAP_SERVERS", "b:9092", "PATH", "/bin",
        // Kubernetes service links for a Service named cae-stream: not ours, not an error.
        "CAE_STREAM_SERVICE_HOST", "10.0.0.1", "CAE_STREAM_PORT_9400_TCP", "tcp://10.0.0.1:9400"));
    assertThat(c.integer(CaeConfig.MODEL_BATCH_MAX)).isEqualTo(16);
    assertThat(c.kafka()).containsEntry("sasl.jaas.config", "secret-jaas").containsEntry("bootstrap.servers", "b:9092");
    assertThat(c.describe()).containsEntry("kafka.sasl.jaas.config", "******");
    assertThat(c.describe().toString()).doesNotContain("secret-jaas");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "model.provider|gpu|model.provider",
      "model.batch.max|-1|model.batch.max",
      "model.batch.max|many|model.batch.max",
      "stream.buffer.max|0|stream.buffer.max",
      "stream.buffer.wait.ms|-1|stream.buffer.wait.ms",
      "model.threshold|high|model.threshold",
      "model.threshold|-0.5|model.threshold",
      "model.path|/no/such/model.onnx|model.path",
      "http.port|70000|http.port",
      "image.max.bytes|0|image.max.bytes",
      "image.resize|true|image.resize",
      "image.fit|squeeze|image.fit",
      "scoring.method|median|scoring.method",
      "input.topic|''|input.topic",
      "no.such.key|1|no.such.key",
      "http.viewer.enabled|yes|http.viewer.enabled",
      "http.auth.user|viewer|http.auth.password",
      "http.auth.password|pw|http.auth.user",
      "http.auth.user|a:b|http.auth.user",
      "log.format|xml|log.format"})
  void badValueNamesItsKey(String key, String value, String named) {
    assertThatThrownBy(() -> CaeConfig.of(Map.of(key, value)))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> {
          assertThat(((ConfigException) e).key()).isEqualTo(named);
          assertThat(e.getMessage()).startsWith(named + ":").doesNotContain("\n");
        });
  }

  @Test
  void helpListsEveryKeyAndMasksNothingSecretByDefault() {
    String help = CaeConfig.help();
    for (ConfigKey k : CaeConfig.KEYS) {
      assertThat(help).contains(k.name());
    }
    assertThat(help).contains("kafka.*").contains("CAE_A_B_C");
  }
}
