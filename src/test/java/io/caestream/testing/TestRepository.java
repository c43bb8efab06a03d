package io.caestream.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Model repositories for tests, made of the bundled models: no training needed. */
public final class TestRepository {
  public static final Path MODELS = ExternalTool.projectRoot().resolve("models");

  private TestRepository() {}

  /**
   * Puts the bundled model {@code bundled} (e.g. {@code synthetic-surface}) into
   * {@code root/name} as model.onnx and model.calibration.json, replacing what is there.
   */
  public static Path addModel(Path root, String name, String bundled) throws Exception {
    Path dir = Files.createDirectories(root.resolve(name));
    Files.copy(MODELS.resolve(bundled + ".onnx"), dir.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(MODELS.resolve(bundled + ".calibration.json"), dir.resolve("model.calibration.json"),
        StandardCopyOption.REPLACE_EXISTING);
    return dir;
  }
}
