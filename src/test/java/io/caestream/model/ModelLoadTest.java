package io.caestream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caestream.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLoadTest {
  @Test
  void bundledModelLoadsWithItsMetadata() {
    try (CaeModel m = CaeModel.load(ModelSource.bundled(), ModelOptions.cpu())) {
      assertThat(m.metadata().name()).isEqualTo("synthetic-surface");
      assertThat(m.inputSpec().channels()).isEqualTo(1);
      assertThat(m.inputSpec().height()).isEqualTo(64);
      assertThat(m.metadata().version()).hasSize(12);
      assertThat(m.provider().provider()).isEqualTo(ExecutionProvider.CPU);
    }
  }

  @Test
  void corruptOnnxFileIsAClearError(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.onnx");
    Files.write(bad, "definitely not protobuf".getBytes());
    assertThatThrownBy(() -> CaeModel.load(ModelSource.file(bad), ModelOptions.cpu()))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("not a loadable ONNX model");
  }

  @Test
  void truncatedModelIsAClearError() throws Exception {
    byte[] good = ModelSource.bundled().modelBytes();
    byte[] half = java.util.Arrays.copyOf(good, good.length / 2);
    assertThatThrownBy(() -> CaeModel.load(new ModelSource("half", half, Optional.empty(), Optional.empty()),
        ModelOptions.cpu())).isInstanceOf(ModelLoadException.class);
  }

  @Test
  void missingModelFileIsAClearError() {
    assertThatThrownBy(() -> ModelSource.file(Path.of("/no/such/model.onnx")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("does not exist");
  }

  @Test
  void modelsWithoutMetadataOrWithMismatchedShapesAreRefused() throws Exception {
    Path fixtures = ExternalTool.projectRoot().resolve("src/test/resources/models");
    assertThatThrownBy(() -> CaeModel.load(ModelSource.file(fixtures.resolve("no-metadata.onnx")), ModelOptions.cpu()))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("cae.input.channels");
    assertThatThrownBy(() -> CaeModel.load(ModelSource.file(fixtures.resolve("shape-mismatch.onnx")), ModelOptions.cpu()))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("differs from its input shape");
  }
}
