package io.caestream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caestream.testing.TestRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {
  private static final Path MODELS = TestRepository.MODELS;

  private static Path addModel(Path root, String name, String bundled) throws Exception {
    return TestRepository.addModel(root, name, bundled);
  }

  @Test
  void findsModelFoldersByNameAndSkipsTheRest(@TempDir Path root) throws Exception {
    addModel(root, "surface", "synthetic-surface");
    Path fashion = addModel(root, "fashion", "fashion-mnist-0");
    Files.writeString(fashion.resolve("model.properties"), "model.threshold = 0.5\n");
    Files.createDirectories(root.resolve("empty"));
    addModel(root, "..2025_12_01", "synthetic-surface");
    Files.writeString(root.resolve("README"), "not a model");
    List<ModelFolder> found = ModelRepository.scan(root);
    assertThat(found).extracting(ModelFolder::name).containsExactly("fashion", "surface");
    ModelFolder f = found.get(0);
    assertThat(f.properties()).containsEntry("model.threshold", "0.5");
    assertThat(f.source().name()).isEqualTo("fashion");
    assertThat(f.source().calibrationBytes()).isPresent();
    assertThat(f.source().sha256()).startsWith("41d9ae2241cd");
  }

  @Test
  void theFingerprintFollowsEveryFileThatScores(@TempDir Path root) throws Exception {
    Path dir = addModel(root, "m", "synthetic-surface");
    String first = ModelRepository.read("m", dir).fingerprint();
    assertThat(ModelRepository.read("m", dir).fingerprint()).isEqualTo(first);
    Files.writeString(dir.resolve("model.properties"), "scoring.method=mse\n");
    String withProps = ModelRepository.read("m", dir).fingerprint();
    assertThat(withProps).isNotEqualTo(first);
    Files.copy(MODELS.resolve("fashion-mnist-0.calibration.json"), dir.resolve("model.calibration.json"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(ModelRepository.read("m", dir).fingerprint()).isNotEqualTo(withProps);
  }

  @Test
  void symlinkedFoldersAreFollowedAsAMountedConfigMapHasThem(@TempDir Path root) throws Exception {
    Path real = addModel(root.resolve("..2025_12_01_00_00_00.1"), "surface", "synthetic-surface").getParent();
    Files.createSymbolicLink(root.resolve("..data"), real.getFileName());
    Files.createSymbolicLink(root.resolve("surface"), Path.of("..data/surface"));
    assertThat(ModelRepository.scan(root)).extracting(ModelFolder::name).containsExactly("surface");
  }

  @Test
  void aNameThatCannotBeALabelIsRefused(@TempDir Path root) throws Exception {
    addModel(root, "bad name", "synthetic-surface");
    assertThatThrownBy(() -> ModelRepository.scan(root)).isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("bad name");
  }
}
