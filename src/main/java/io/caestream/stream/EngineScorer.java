package io.caestream.stream;

import io.caestream.image.ImageRejectedException;
import io.caestream.scoring.ImageScorer;
import io.caestream.scoring.ScoringEngine;

/** Every source to one model: the scorer of a single {@link ScoringEngine}. */
public final class EngineScorer implements SourceScorer {
  private final ImageScorer scorer;
  private final ModelInfo model;

  public EngineScorer(ImageScorer scorer, ModelInfo model) {
    this.scorer = scorer;
    this.model = model;
  }

  public static EngineScorer of(ScoringEngine engine) {
    return new EngineScorer(engine.scorer(), ModelInfo.of(engine));
  }

  @Override
  public Scored score(String source, byte[] image, ImageScorer.KeepMap keep) throws ImageRejectedException {
    return new Scored(scorer.score(image, keep), model, scorer.settings().pixelThreshold());
  }
}
