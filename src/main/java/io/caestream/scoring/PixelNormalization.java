package io.caestream.scoring;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

/**
 * The error a normal image has at each position of the model input, as mean and standard
 * deviation over normal images. Dividing the error map by it ({@code (e - mean) / std}) turns
 * "high error" into "higher than normal here": the borders of the input, which every autoencoder
 * reconstructs worse, and the parts of an aligned object that are always hard stop drowning the
 * defects. Measured on the texture benchmark it lifted image AUROC most of all the changes to
 * scoring (see README, Models).
 *
 * <p>A method that compares in several ways ({@link ScoringMethod#planes()}) has one error plane
 * per way, each on its own scale; each plane is normalised by its own mean and std and the
 * z-scores are added, so no plane dominates by its units.
 *
 * <p>Stored in the calibration file as base64 of little-endian float32 (a 64x64 model: 22 KB
 * per array and plane instead of 80 KB of decimal text).
 */
public final class PixelNormalization {
  /** No std below this share of the mean std: a position that never errs must not divide by zero. */
  static final float MIN_STD_SHARE = 0.05f;

  private final int width;
  private final int height;
  private final int planes;
  private final float[] mean;
  private final float[] invStd;
  private final float[] std;

  /** {@code mean} and {@code std} hold {@code planes} planes of width*height, one after the other. */
  public PixelNormalization(int width, int height, int planes, float[] mean, float[] std) {
    if (planes < 1) {
      throw new IllegalArgumentException("normalization needs at least one plane, got " + planes);
    }
    if (mean.length != planes * width * height || std.length != planes * width * height) {
      throw new IllegalArgumentException("normalization maps must be " + planes + " x " + width + "x" + height);
    }
    this.width = width;
    this.height = height;
    this.planes = planes;
    this.mean = mean.clone();
    this.std = std.clone();
    this.invStd = new float[std.length];
    for (int i = 0; i < std.length; i++) {
      if (!(std[i] > 0) || !Float.isFinite(mean[i])) {
        throw new IllegalArgumentException("normalization std must be positive and finite at " + i);
      }
      invStd[i] = 1f / std[i];
    }
  }

  /** Mean and std per position over raw error maps of normal images (at least two). */
  public static PixelNormalization estimate(List<float[]> maps, int width, int height) {
    Estimator e = new Estimator(width, height, 1);
    maps.forEach(e::add);
    return e.result();
  }

  /** Running sums over raw error maps (one per model input: an image, or each tile of a frame). */
  public static final class Estimator {
    private final int width;
    private final int height;
    private final int planes;
    private final double[] sum;
    private final double[] sq;
    private long count;

    /** For raw maps of {@code planes} planes of width*height. */
    public Estimator(int width, int height, int planes) {
      this.width = width;
      this.height = height;
      this.planes = planes;
      this.sum = new double[planes * width * height];
      this.sq = new double[planes * width * height];
    }

    public synchronized void add(float[] map) {
      for (int i = 0; i < sum.length; i++) {
        sum[i] += map[i];
        sq[i] += (double) map[i] * map[i];
      }
      count++;
    }

    public synchronized long count() {
      return count;
    }

    public synchronized PixelNormalization result() {
      if (count < 2) {
        throw new IllegalArgumentException("per-pixel normalization needs at least 2 normal images");
      }
      int n = width * height;
      float[] mean = new float[sum.length];
      float[] std = new float[sum.length];
      for (int p = 0; p < planes; p++) {
        double stdSum = 0;
        for (int i = p * n; i < (p + 1) * n; i++) {
          double mu = sum[i] / count;
          double var = Math.max(0, (sq[i] - count * mu * mu) / (count - 1));
          mean[i] = (float) mu;
          std[i] = (float) Math.sqrt(var);
          stdSum += std[i];
        }
        float floor = (float) Math.max(1e-12, MIN_STD_SHARE * stdSum / n);
        for (int i = p * n; i < (p + 1) * n; i++) {
          std[i] = Math.max(std[i], floor);
        }
      }
      return new PixelNormalization(width, height, planes, mean, std);
    }
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public int planes() {
    return planes;
  }

  /**
   * Writes the sum over planes of the z-scores of {@code raw} (planes x width*height) into
   * {@code out} (width*height); {@code out} may be {@code raw}.
   */
  public void apply(float[] raw, float[] out) {
    int n = width * height;
    for (int i = 0; i < n; i++) {
      out[i] = (raw[i] - mean[i]) * invStd[i];
    }
    for (int p = 1; p < planes; p++) {
      int o = p * n;
      for (int i = 0; i < n; i++) {
        out[i] += (raw[o + i] - mean[o + i]) * invStd[o + i];
      }
    }
  }

  /** The JSON form in the calibration file; {@code planes} is left out when it is 1. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Wire(int width, int height, Integer planes, String mean, String std) {}

  @JsonValue
  public Wire wire() {
    return new Wire(width, height, planes == 1 ? null : planes, encode(mean), encode(std));
  }

  @JsonCreator
  public static PixelNormalization of(@JsonProperty("width") int width, @JsonProperty("height") int height,
      @JsonProperty("planes") Integer planes, @JsonProperty("mean") String mean,
      @JsonProperty("std") String std) {
    int p = planes == null ? 1 : planes;
    return new PixelNormalization(width, height, p, decode(mean, p * width * height),
        decode(std, p * width * height));
  }

  private static String encode(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return Base64.getEncoder().encodeToString(b.array());
  }

  private static float[] decode(String text, int n) {
    byte[] bytes = Base64.getDecoder().decode(text);
    if (bytes.length != n * 4) {
      throw new IllegalArgumentException("normalization map holds " + bytes.length / 4
          + " values, expected " + n);
    }
    float[] out = new float[n];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }
}
