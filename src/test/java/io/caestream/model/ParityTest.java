package io.caestream.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proves that ONNX Runtime in Java computes what PyTorch computed at export: for every bundled
 * model, its parity file's inputs reconstruct to the stored PyTorch outputs within 1e-4.
 */
class ParityTest {
  static List<Path> bundledModels() throws IOException {
    try (Stream<Path> s = Files.list(ExternalTool.projectRoot().resolve("models"))) {
      return s.filter(p -> p.toString().endsWith(".onnx")).sorted().toList();
    }
  }

  @ParameterizedTest
  @MethodSource("bundledModels")
  void javaMatchesPyTorch(Path model) throws Exception {
    Path parity = model.resolveSibling(model.getFileName().toString().replace(".onnx", ".parity.json"));
    assertThat(parity).as("every bundled model ships a parity file").exists();
    JsonNode json = new ObjectMapper().readTree(parity.toFile());
    JsonNode inputs = json.get("inputs");
    JsonNode outputs = json.get("outputs");
    assertThat(inputs.size()).isGreaterThan(0).isEqualTo(outputs.size());
    try (CaeModel m = CaeModel.load(ModelSource.file(model), ModelOptions.cpu());
        ModelRunner runner = m.newRunner(inputs.size())) {
      int size = m.inputSpec().size();
      for (int i = 0; i < inputs.size(); i++) {
        assertThat(inputs.get(i).size()).isEqualTo(size);
        for (int j = 0; j < size; j++) {
          runner.input().put(i * size + j, (float) inputs.get(i).get(j).asDouble());
        }
      }
      runner.run(inputs.size());
      double worst = 0;
      for (int i = 0; i < outputs.size(); i++) {
        for (int j = 0; j < size; j++) {
          worst = Math.max(worst, Math.abs(runner.output().get(i * size + j) - outputs.get(i).get(j).asDouble()));
        }
      }
      assertThat(worst).as("largest |java - pytorch| for %s", model.getFileName()).isLessThan(1e-4);
    }
  }
}
