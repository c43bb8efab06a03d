package io.caestream.stream;

import io.caestream.scoring.ScoringEngine;

/** The model identity stamped on every event and exported as cae_model_info. */
public record ModelInfo(String name, String version, String provider) {
  public static ModelInfo of(ScoringEngine engine) {
    var m = engine.model();
    return new ModelInfo(engine.name(), engine.version(), m.provider().provider().word());
  }

  ScoreEvent.Model event() {
    return new ScoreEvent.Model(name, version, provider);
  }
}
