package io.caestream.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a model and its calibration come from: a file (with {@code <model>.calibration.json}
 * beside it) or the model bundled in the jar.
 */
public record ModelSource(String name, byte[] modelBytes, Optional<byte[]> calibrationBytes,
    Optional<Path> file) {

  public static final String BUNDLED = "synthetic-surface";

  /** The SHA-256 of the model bytes (hex): its identity, which a calibration must name. */
  public String sha256() {
    return sha256(modelBytes);
  }

  public static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ModelSource file(Path model) {
    if (!Files.isRegularFile(model)) {
      throw new ModelLoadException("model file " + model + " does not exist");
    }
    try {
      byte[] bytes = Files.readAllBytes(model);
      Path cal = calibrationFile(model);
      Optional<byte[]> calBytes = Files.exists(cal) ? Optional.of(Files.readAllBytes(cal)) : Optional.empty();
      return new ModelSource(stem(model.getFileName().toString()), bytes, calBytes, Optional.of(model));
    } catch (IOException e) {
      throw new ModelLoadException("cannot read model " + model + ": " + e.getMessage(), e);
    }
  }

  /** The model shipped inside the jar (models/synthetic-surface.onnx). */
  public static ModelSource bundled() {
    byte[] model = resource("/models/" + BUNDLED + ".onnx")
        .orElseThrow(() -> new ModelLoadException("the bundled model is missing from the jar"));
    return new ModelSource(BUNDLED, model, resource("/models/" + BUNDLED + ".calibration.json"),
        Optional.empty());
  }

  /** {@code path} when given, else the bundled model. */
  public static ModelSource fileOrBundled(Path path) {
    return path == null || path.toString().isEmpty() ? bundled() : file(path);
  }

  public static Path calibrationFile(Path model) {
    return sideFile(model, ".calibration.json");
  }

  /** A file written beside the model by training or calibration: {@code NAME.onnx} -> {@code NAME<suffix>}. */
  public static Path sideFile(Path model, String suffix) {
    return model.resolveSibling(stem(model.getFileName().toString()) + suffix);
  }

  private static String stem(String fileName) {
    return fileName.replaceFirst("\\.onnx$", "");
  }

  private static Optional<byte[]> resource(String name) {
    try (InputStream in = ModelSource.class.getResourceAsStream(name)) {
      return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
