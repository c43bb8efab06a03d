package io.caestream.stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.caestream.scoring.Region;
import io.caestream.scoring.ScoreResult;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The score event of DESIGN.md, field for field; published as JSON. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ScoreEvent(String imageId, String source, double score, double threshold,
    boolean anomalous, double normalizedScore, Region region, Model model, long capturedAt,
    long scoredAt, double latencyMs, Input input) {

  /** Which model scored it. */
  public record Model(String name, String version, String provider) {}

  /** Where the image came from. */
  public record Input(String topic, int partition, long offset) {}

  /** The event for a scored image: the one place that maps a {@link ScoreResult} to the contract. */
  public static ScoreEvent of(String imageId, String source, ScoreResult r, Model model, long capturedAt,
      double latencyMs, Input input) {
    return new ScoreEvent(imageId, source, r.score(), r.threshold(), r.anomalous(), r.normalizedScore(),
        r.region(), model, capturedAt, System.currentTimeMillis(), latencyMs, input);
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ObjectWriter WRITER = MAPPER.writerFor(ScoreEvent.class);

  public byte[] toJson() {
    try {
      return WRITER.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
