package io.caestream.scoring;

import io.caestream.image.ImageHeader;

/**
 * The verdict on one image. {@code normalizedScore} = score / (score + threshold): the threshold
 * maps to 0.5, zero to 0, and it approaches 1 without a clamp; it compares across models.
 * {@code region} is null for normal images: the worst spot of a good part means nothing.
 */
public record ScoreResult(double score, double threshold, boolean anomalous, double normalizedScore,
    Region region, ImageHeader source) {}
