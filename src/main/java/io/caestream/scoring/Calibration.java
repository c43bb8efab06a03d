package io.caestream.scoring;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code calibrate} learned from normal images, stored as {@code <model>.calibration.json}
 * beside the model: the score threshold, the method it is valid for, the pixel threshold for
 * regions, the normal score distribution (metrics derive their histogram buckets from it) and,
 * when calibrated with it, the per-pixel normalization of the error map.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Calibration(double threshold, String method, double quantile, double pixelThreshold,
    double smoothingSigma, double mapSigma, Stats stats, int images, String modelSha256,
    String createdAt,
    @JsonInclude(JsonInclude.Include.NON_NULL) PixelNormalization normalization,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer normalizationImages) {

  /** Summary of the normal scores. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Stats(double min, double mean, double std, double p50, double p99, double max) {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Files written before the map had its own smoothing carry no mapSigma. */
  public double mapSigmaOrDefault() {
    return mapSigma > 0 ? mapSigma : ScoringSettings.DEFAULT_MAP_SIGMA;
  }

  public ScoringMethod scoringMethod() {
    return ScoringMethod.of(method);
  }

  public static Calibration read(byte[] json) {
    try {
      return JSON.readValue(json, Calibration.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("calibration file is not valid: " + e.getMessage(), e);
    }
  }

  public void write(Path file) throws IOException {
    Files.write(file, JSON.writeValueAsBytes(this));
  }

}
