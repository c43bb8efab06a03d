package io.caestream.cli;

import io.caestream.config.CaeConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by the commands that load the scorer: where the config and model come from. */
final class ScorerOptions {
  @Option(names = "--config", description = "Properties file (same keys as serve; CAE_* environment overrides apply).")
  Path config;

  @Option(names = "--model", description = "ONNX model (default: model.path, else the bundled model).")
  Path model;

  @Option(names = "--method", description = "Scoring method: mse, smooth-max, ssim, line, contrast or line+contrast (default: the calibration's).")
  String method;

  @Option(names = "--fit", description = "image.fit: resize, tile or reject (default: the config's, else the model's metadata, else resize).")
  String fit;

  CaeConfig load() {
    return load(Map.of());
  }

  /** The config file and environment, then these options, then {@code more} (a command's own). */
  CaeConfig load(Map<String, String> more) {
    CaeConfig base = CaeConfig.load(config, System.getenv());
    Map<String, String> overrides = new LinkedHashMap<>();
    if (model != null) {
      overrides.put(CaeConfig.MODEL_PATH, model.toString());
    }
    if (method != null) {
      overrides.put(CaeConfig.SCORING_METHOD, method);
    }
    if (fit != null) {
      overrides.put(CaeConfig.IMAGE_FIT, fit);
    }
    overrides.putAll(more);
    return base.with(overrides);
  }
}
