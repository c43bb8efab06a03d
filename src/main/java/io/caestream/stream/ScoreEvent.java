package io.caestream.stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.caestream.scoring.Region;
import io.caestream.scoring.ScoreResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.List;

/**
 * The score event of DESIGN.md, field for field; published as JSON. Its parts are wire types of
 * their own, so a rename inside {@code scoring} cannot change the JSON by accident.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ScoreEvent(String imageId, String source, double score, Double threshold,
    String thresholdFrom, boolean anomalous, Double normalizedScore, Box region, List<Area> regions, Model model,
    long capturedAt, long scoredAt, double latencyMs, Input input) {

  /** The worst region: bounding box in frame pixels and share of the frame in percent. */
  public record Box(int x, int y, int width, int height, double areaPct) {
    static Box of(Region r) {
      return r == null ? null : new Box(r.x(), r.y(), r.width(), r.height(), r.areaPct());
    }
  }

  /** One of the regions over the pixel threshold, worst first, with its peak anomaly-map value. */
  public record Area(int x, int y, int width, int height, double areaPct, double peak) {
    static Area of(Region r) {
      return new Area(r.x(), r.y(), r.width(), r.height(), r.areaPct(), r.peak());
    }
  }

  /** Which model scored it. */
  public record Model(String name, String version, String provider) {}

  /** Where the image came from. */
  public record Input(String topic, int partition, long offset) {}

  /**
   * The event for a scored image: the one place that maps a {@link ScoreResult} to the contract.
   * An uncalibrated model (a calibration mismatch served with warn) has no threshold: threshold
   * and normalizedScore are then null, not NaN, which JSON cannot carry as a number.
   */
  public static ScoreEvent of(String imageId, String source, ScoreResult r, Model model, long capturedAt,
      double latencyMs, Input input) {
    return of(imageId, source, r, null, model, capturedAt, latencyMs, input);
  }

  /**
   * @param thresholdFrom where the applied threshold came from: {@code calibration},
   *     {@code model.threshold}, {@code route:GLOB} (a {@code model.routes} rule), {@code none}
   */
  public static ScoreEvent of(String imageId, String source, ScoreResult r, String thresholdFrom, Model model,
      long capturedAt, double latencyMs, Input input) {
    return new ScoreEvent(imageId, source, r.score(), finite(r.threshold()), thresholdFrom, r.anomalous(),
        finite(r.normalizedScore()),
        Box.of(r.region()), r.regions().stream().map(Area::of).toList(), model, capturedAt,
        System.currentTimeMillis(), latencyMs, input);
  }

  private static Double finite(double d) {
    return Double.isFinite(d) ? d : null;
  }

  /** The longest record key (source id) accepted; longer ones are dead-lettered as bad-key. */
  public static final int MAX_SOURCE_BYTES = 1024;

  /**
   * The most bytes an event can take with this model and input topic: the event JSON with every
   * variable field at its worst (a key of control bytes, each escaped to six characters; the
   * longest image id of three-byte characters; the longest numbers). The topics that receive
   * events must accept this much, which start-up checks.
   */
  public static int maxBytes(ModelInfo model, String inputTopic) {
    String source = String.valueOf((char) 1).repeat(MAX_SOURCE_BYTES);
    String imageId = String.valueOf((char) 0xfffd).repeat(RecordHeaderCheck.MAX_ID);
    double d = -Double.MIN_NORMAL;
    int i = Integer.MIN_VALUE;
    List<Area> regions = Collections.nCopies(io.caestream.scoring.ImageScorer.MAX_REGIONS,
        new Area(i, i, i, i, d, d));
    // Globs have no control characters (SourceRoutes refuses them): three UTF-8 bytes each at worst.
    String thresholdFrom = "route:" + "\u20ac".repeat(io.caestream.scoring.SourceRoutes.MAX_GLOB);
    return new ScoreEvent(imageId, source, d, d, thresholdFrom, false, d, new Box(i, i, i, i, d), regions,
        model.event(), Long.MIN_VALUE, Long.MIN_VALUE, d,
        new Input(inputTopic, Integer.MIN_VALUE, Long.MIN_VALUE)).toJson().length;
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
