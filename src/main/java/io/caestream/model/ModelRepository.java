package io.caestream.model;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A folder of models, one subfolder each: {@code NAME/model.onnx}, {@code NAME/model.calibration.json}
 * and optionally {@code NAME/model.properties}. Names that start with a dot are skipped: a mounted
 * Kubernetes ConfigMap or Secret keeps its real files in {@code ..2025_...} folders behind a
 * {@code ..data} symlink, and the visible names are symlinks into it. Symlinks are followed, so an
 * atomic symlink swap there is a change of content here.
 */
public final class ModelRepository {
  public static final String MODEL_FILE = "model.onnx";
  public static final String PROPERTIES_FILE = "model.properties";
  public static final String PARITY_FILE = "model.parity.json";
  /** A model's shadow: scores the same images, its events go to shadow.topic only. */
  public static final String SHADOW_FILE = "shadow.onnx";
  /** Model names become metric labels and route targets: keep them plain. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** The metrics' label for records no model scored, so no model may be called so. */
  public static final String NOT_A_NAME = "none";

  private ModelRepository() {}

  /** Every model folder of {@code root}, by name; a folder without model.onnx is not a model. */
  public static List<ModelFolder> scan(Path root) {
    List<ModelFolder> out = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
      List<Path> sorted = new ArrayList<>();
      dirs.forEach(sorted::add);
      sorted.sort(null);
      for (Path dir : sorted) {
        String name = dir.getFileName().toString();
        if (name.startsWith(".") || !Files.isDirectory(dir) || !Files.isRegularFile(dir.resolve(MODEL_FILE))) {
          continue;
        }
        if (!NAME.matcher(name).matches() || name.equals(NOT_A_NAME)) {
          throw new ModelLoadException("model folder " + dir + ": a name is letters, digits, '.', '_' and '-'"
              + " (at most 64), starting with a letter or digit, and not '" + NOT_A_NAME + "'");
        }
        out.add(read(name, dir));
      }
    } catch (IOException e) {
      throw new ModelLoadException("cannot list the model repository " + root + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** The model in {@code dir} (its files read once, so the fingerprint matches what is loaded). */
  public static ModelFolder read(String name, Path dir) {
    ModelSource file = ModelSource.file(dir.resolve(MODEL_FILE));
    ModelSource source = new ModelSource(name, file.modelBytes(), file.calibrationBytes(), file.file());
    Path props = dir.resolve(PROPERTIES_FILE);
    byte[] propBytes = new byte[0];
    Map<String, String> properties = new TreeMap<>();
    if (Files.isRegularFile(props)) {
      try {
        propBytes = Files.readAllBytes(props);
        Properties p = new Properties();
        try (Reader r = new java.io.StringReader(new String(propBytes, StandardCharsets.UTF_8))) {
          p.load(r);
        }
        p.stringPropertyNames().forEach(k -> properties.put(k.trim(), p.getProperty(k).trim()));
      } catch (IOException | IllegalArgumentException e) {
        throw new ModelLoadException("cannot read " + props + ": " + e.getMessage(), e);
      }
    }
    Optional<byte[]> parity;
    try {
      Path p = dir.resolve(PARITY_FILE);
      parity = Files.isRegularFile(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    } catch (IOException e) {
      throw new ModelLoadException("cannot read " + dir.resolve(PARITY_FILE) + ": " + e.getMessage(), e);
    }
    Optional<ModelSource> shadow = Optional.empty();
    if (Files.isRegularFile(dir.resolve(SHADOW_FILE))) {
      ModelSource s = ModelSource.file(dir.resolve(SHADOW_FILE));
      shadow = Optional.of(new ModelSource(name + "/shadow", s.modelBytes(), s.calibrationBytes(), s.file()));
    }
    return new ModelFolder(name, source, Map.copyOf(properties), dir, parity,
        fingerprint(source.modelBytes(), source.calibrationBytes().orElse(new byte[0]), propBytes,
            parity.orElse(new byte[0]), shadow.map(ModelSource::modelBytes).orElse(new byte[0]),
            shadow.flatMap(ModelSource::calibrationBytes).orElse(new byte[0])), shadow);
  }

  /** The one model of {@code model.path} (or the bundled one), as a repository of one. */
  public static ModelFolder single(ModelSource source) {
    Optional<Path> dir = source.file().map(Path::getParent);
    return new ModelFolder(source.name(), source, Map.of(), dir.orElse(null), Optional.empty(),
        fingerprint(source.modelBytes(), source.calibrationBytes().orElse(new byte[0]), new byte[0]),
        Optional.empty());
  }

  private static String fingerprint(byte[]... parts) {
    StringBuilder sb = new StringBuilder();
    for (byte[] p : parts) {
      sb.append(ModelSource.sha256(p), 0, 16).append('.');
    }
    return sb.toString();
  }
}
