package io.caestream.stream;

import io.caestream.scoring.ScoreResult;

/**
 * Told about each record's outcome by the processor and the error handler, on the stream thread:
 * the metrics and the live viewer listen here. {@code model} is the model that scored the image,
 * or null when the record never reached one (a bad key, no route).
 */
public interface StreamListener {
  StreamListener NONE = new StreamListener() { };

  default void scored(ModelInfo model, ScoreResult result, long latencyNanos) { }

  /** The shadow of {@code model} scored (or failed to score) the image {@code live} is about. */
  default void shadowCompared(ModelInfo model, ScoreResult live, SourceScorer.Shadow shadow) { }

  /** A dead letter was written; {@code reason} is its {@code cae.error.reason} word. */
  default void rejected(ModelInfo model, String reason) { }

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
