package io.caestream.scoring;

import io.caestream.image.RejectReason;

/** Told about each image's outcome (the metrics binder implements it); called on the scoring thread. */
public interface ScoringObserver {
  ScoringObserver NONE = new ScoringObserver() { };

  default void scored(ScoreResult result, long latencyNanos) { }

  default void rejected(RejectReason reason) { }

  /** An anomaly event was published: its JSON and the image it is about (for the live viewer). */
  default void anomalyPublished(byte[] eventJson, byte[] image) { }
}
