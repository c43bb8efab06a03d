package io.caestream.stream;

import io.caestream.image.ImageRejectedException;
import io.caestream.scoring.ImageScorer;
import io.caestream.scoring.ScoreResult;

/**
 * What the processor asks of scoring: the verdict on one image from one source, and which model
 * gave it. Routing to a model per source sits behind it, so the processor does not know how many
 * models there are; tests put a fake here to make a model fail without closing a real engine.
 */
public interface SourceScorer {
  /**
   * @throws ImageRejectedException the image cannot be scored (its dead letter names why)
   * @throws RecordRejectedException no model takes this source ({@link RecordProblem#NO_MODEL})
   */
  Scored score(String source, byte[] image, ImageScorer.KeepMap keep)
      throws ImageRejectedException, RecordRejectedException;

  /** The model that scores {@code source} now, or null when none does (for the metrics' label). */
  default ModelInfo modelFor(String source) {
    return null;
  }

  /**
   * A verdict and what produced it.
   *
   * @param pixelThreshold the anomaly-map value that the heatmap shows as mid-grey
   * @param thresholdFrom where the applied threshold came from (event field {@code thresholdFrom})
   */
  record Scored(ScoreResult result, ModelInfo model, double pixelThreshold, String thresholdFrom,
      Shadow shadow) {
    public Scored(ScoreResult result, ModelInfo model, double pixelThreshold, String thresholdFrom) {
      this(result, model, pixelThreshold, thresholdFrom, null);
    }
  }

  /**
   * The shadow model's verdict on the same image, or why there is none.
   *
   * @param result null when the shadow could not score the image ({@code failure} says why)
   */
  record Shadow(ScoreResult result, ModelInfo model, String failure) {}
}
