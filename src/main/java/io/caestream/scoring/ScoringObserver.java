package io.caestream.scoring;

import io.caestream.image.RejectReason;

/** Told about each image's outcome (the metrics binder implements it); called on the scoring thread. */
public interface ScoringObserver {
  ScoringObserver NONE = new ScoringObserver() { };

  default void scored(ScoreResult result, long latencyNanos) { }

  default void rejected(RejectReason reason) { }

  /**
   * An anomaly event was published: its JSON, the image it is about (its frame is
   * {@code width x height}, the space of the event's regions) and, when {@link #wantsHeatmaps()},
   * its heatmap PNG (for the live viewer; else null).
   */
  default void anomalyPublished(byte[] eventJson, byte[] image, int width, int height,
      byte[] heatmapPng) { }

  /** Whether anomalyPublished should get heatmaps (they cost an anomaly map and a PNG each). */
  default boolean wantsHeatmaps() {
    return false;
  }
}
