package io.caestream.scoring;

import io.caestream.image.ImageHeader;
import java.util.List;

/**
 * The verdict on one image. {@code normalizedScore} = score / (score + threshold): the threshold
 * maps to 0.5, zero to 0, and it approaches 1 without a clamp; it compares across models.
 * {@code region} (the worst) and {@code regions} (up to {@value ImageScorer#MAX_REGIONS}, worst
 * first) are in the frame's own pixels; null and empty for normal images: the worst spot of a
 * good part means nothing. {@code map} is the anomaly map, only when it was asked for.
 */
public record ScoreResult(double score, double threshold, boolean anomalous, double normalizedScore,
    Region region, List<Region> regions, ImageHeader source, AnomalyMap map) {

  public ScoreResult(double score, double threshold, boolean anomalous, double normalizedScore,
      Region region, ImageHeader source) {
    this(score, threshold, anomalous, normalizedScore, region,
        region == null ? List.of() : List.of(region), source, null);
  }
}
