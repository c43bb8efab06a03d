package io.caestream.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.caestream.image.ImageDecoder;
import io.caestream.image.ImageLimits;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proves that ONNX Runtime in Java computes what PyTorch computed at export: for every bundled
 * model, its parity file's inputs reconstruct to the stored PyTorch outputs within 1e-4. And that
 * serving preprocesses as training did, starting from the same encoded bytes: the parity file's
 * encoded samples (an odd size that grows, one that shrinks, 16-bit grey, RGB) decode through
 * {@link ImageDecoder} to the tensors training's data path made of them, within 1e-3.
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
    try (CaeModel m = CaeModel.load(ModelSource.file(model), ModelOptions.cpu())) {
      double worst = ParityCheck.worstDifference(m, Files.readAllBytes(parity));
      assertThat(worst).as("largest |java - pytorch| for %s", model.getFileName()).isLessThan(1e-4);
    }
  }

  @ParameterizedTest
  @MethodSource("bundledModels")
  void servingDecodesEncodedImagesAsTrainingDid(Path model) throws Exception {
    Path parity = model.resolveSibling(model.getFileName().toString().replace(".onnx", ".parity.json"));
    JsonNode encoded = new ObjectMapper().readTree(parity.toFile()).get("encoded");
    assertThat(encoded).as("%s carries encoded samples", parity.getFileName()).isNotNull();
    assertThat(encoded.size()).isEqualTo(4);
    try (CaeModel m = CaeModel.load(ModelSource.file(model), ModelOptions.cpu())) {
      ImageDecoder decoder = new ImageDecoder(m.inputSpec(), ImageLimits.DEFAULT);
      for (JsonNode sample : encoded) {
        float[] out = new float[m.inputSpec().size()];
        decoder.decode(Base64.getDecoder().decode(sample.get("png").asText()), out);
        JsonNode expected = sample.get("tensor");
        assertThat(expected.size()).isEqualTo(out.length);
        double worst = 0;
        for (int i = 0; i < out.length; i++) {
          worst = Math.max(worst, Math.abs(out[i] - expected.get(i).asDouble()));
        }
        assertThat(worst).as("largest |serving - training| for %s of %s", sample.get("name").asText(),
            model.getFileName()).isLessThan(1e-3);
      }
    }
  }
}
