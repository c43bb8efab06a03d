package io.caestream.model;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caestream.testing.TestRepository;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The reload's parity check: the model's own parity file passes, another model's outputs do not. */
class ParityCheckTest {
  @Test
  void aModelPassesItsOwnParityFileAndFailsAnAlteredOne() throws Exception {
    byte[] parity = Files.readAllBytes(TestRepository.MODELS.resolve("fashion-mnist-0.parity.json"));
    try (CaeModel m = CaeModel.load(ModelSource.file(TestRepository.MODELS.resolve("fashion-mnist-0.onnx")),
        ModelOptions.cpu())) {
      assertThatCode(() -> ParityCheck.verify(m, parity)).doesNotThrowAnyException();
      // Outputs shifted by 0.01 everywhere: what a different export would give.
      var json = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(parity);
      for (var sample : json.get("outputs")) {
        var a = (com.fasterxml.jackson.databind.node.ArrayNode) sample;
        for (int i = 0; i < a.size(); i++) {
          a.set(i, a.get(i).asDouble() + 0.01);
        }
      }
      byte[] altered = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(json);
      assertThatThrownBy(() -> ParityCheck.verify(m, altered)).isInstanceOf(ModelLoadException.class)
          .hasMessageContaining("parity");
    }
  }
}
