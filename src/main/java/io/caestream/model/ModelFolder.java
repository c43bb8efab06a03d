package io.caestream.model;

import java.nio.file.Path;
import java.util.Map;

/**
 * One model of a repository as found on disk: its name (the folder's), its files, the per-model
 * settings of {@code model.properties}, and a fingerprint of all of it, which changes whenever a
 * file that affects scoring does (what the reload compares).
 *
 * @param folder the model's folder; null for the bundled model
 * @param parity its {@code model.parity.json}, checked before a reloaded model serves
 * @param shadow its {@code shadow.onnx} (with {@code shadow.calibration.json}), which scores the
 *     same images without its verdicts reaching the anomalies topic
 */
public record ModelFolder(String name, ModelSource source, Map<String, String> properties, Path folder,
    java.util.Optional<byte[]> parity, String fingerprint, java.util.Optional<ModelSource> shadow) {

  /** The name a folder's shadow model goes by in its events and logs (not a valid folder name). */
  public String shadowName() {
    return name + "/shadow";
  }

  /**
   * The shadow as a folder of its own, for opening it like a model: the same per-model settings,
   * except the threshold, which is its own calibration's.
   */
  public java.util.Optional<ModelFolder> shadowFolder() {
    return shadow.map(s -> {
      Map<String, String> own = new java.util.TreeMap<>(properties);
      own.remove("model.threshold");
      return new ModelFolder(shadowName(), s, Map.copyOf(own), folder, java.util.Optional.empty(), "",
          java.util.Optional.empty());
    });
  }
}
