package io.caestream.cli;

import io.caestream.config.CaeConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by the offline commands: where the config and model come from. */
final class ScorerOptions {
  @Option(names = "--config", description = "Properties file (same keys as serve; CAE_* environment overrides apply).")
  Path config;

  @Option(names = "--model", description = "ONNX model (default: model.path, else the bundled model).")
  Path model;

  @Option(names = "--method", description = "Scoring method: mse or smooth-max (default: the calibration's).")
  String method;

  @Option(names = "--workers", defaultValue = "4",
      description = "Threads feeding the batcher, as stream threads do (default ${DEFAULT-VALUE}).")
  int workers;

  CaeConfig load() {
    CaeConfig base = CaeConfig.load(config, System.getenv());
    Map<String, String> overrides = new LinkedHashMap<>();
    if (model != null) {
      overrides.put(CaeConfig.MODEL_PATH, model.toString());
    }
    if (method != null) {
      overrides.put(CaeConfig.SCORING_METHOD, method);
    }
    overrides.put(CaeConfig.MODEL_BATCH_MAX, Integer.toString(Math.max(1, workers)));
    return base.with(overrides);
  }
}
