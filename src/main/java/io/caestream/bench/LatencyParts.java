package io.caestream.bench;

/**
 * Where capture-to-visible time goes, per image, split by the timestamps of its score event
 * ({@code capturedAt}, {@code scoredAt}, {@code latencyMs}): before the scorer reads it (the
 * producer, the broker, the stream's fetch, and records of a poll waiting behind the ones before
 * them), inside the scorer (buffer wait, scoring pool, scoring), and from scored to visible to a
 * read_committed consumer (forwarding, the commit interval, the transaction's commit, the fetch).
 * Capture and visible times are wall clocks on this machine, so the parts are exact only when
 * producer, scorer and consumer share one clock, as they do in {@code bench}.
 */
public record LatencyParts(Part toScorer, Part inScorer, Part toVisible) {
  /** Median and 99th percentile of one part, in milliseconds. */
  public record Part(double p50Ms, double p99Ms) {}
}
