package io.caestream.dataset;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Procedural grey inspection surfaces and the defects a line would reject on them.
 *
 * <p>Every image is a function of (seed, index) only, so a data set, a demo stream and a test
 * can each regenerate the very same pictures. Surfaces are statistically stable (the same texture
 * family with random phase, lighting and sensor noise) so that a model trained on normal ones has
 * something learnable; defects change a compact area by a clearly visible amount and come with the
 * exact mask of the pixels they changed.
 */
public final class SyntheticSurfaces {

  /** The texture families. */
  public enum Surface {
    METAL,
    FABRIC,
    PRINT;

    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The defect kinds, named as the MVTec folder under {@code test/}. */
  public enum Defect {
    SCRATCH,
    HOLE,
    STAIN,
    CRACK,
    MISSING_PRINT;

    public String folder() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** One generated sample: the picture and, for a defect, the mask (1 = defective pixel). */
  public record Sample(GreyImage image, Defect defect, GreyImage mask) {
    public boolean defective() {
      return defect != null;
    }

    public String label() {
      return defect == null ? "good" : defect.folder();
    }
  }

  private final int size;
  private final int defectSize;
  private final long seed;
  private final List<Surface> surfaces;

  public SyntheticSurfaces(int size, long seed, List<Surface> surfaces) {
    this(size, size, seed, surfaces);
  }

  /**
   * @param defectSize the picture size the defects are proportioned for: {@code size} gives
   *     defects that scale with the picture; a smaller one keeps them small on a large frame
   *     (32 on a 512-pixel frame: holes, scratches and stains of about 3 to 12 pixels)
   */
  public SyntheticSurfaces(int size, int defectSize, long seed, List<Surface> surfaces) {
    if (size < 8) {
      throw new IllegalArgumentException("size must be at least 8");
    }
    if (surfaces.isEmpty()) {
      throw new IllegalArgumentException("at least one surface kind is needed");
    }
    if (defectSize < 8 || defectSize > size) {
      throw new IllegalArgumentException("defect size must be in 8.." + size);
    }
    this.size = size;
    this.defectSize = defectSize;
    this.seed = seed;
    this.surfaces = List.copyOf(surfaces);
  }

  public int size() {
    return size;
  }

  /** A defect-free surface. */
  public Sample normal(long index) {
    SplittableRandom rnd = random(index, 0x5EED);
    return new Sample(surface(rnd), null, null);
  }

  /** A surface with the given defect. */
  public Sample defective(long index, Defect defect) {
    SplittableRandom rnd = random(index, 0xBAD0 + defect.ordinal());
    GreyImage image = surface(rnd);
    GreyImage mask = new GreyImage(size, size);
    switch (defect) {
      case SCRATCH -> scratch(image, mask, rnd);
      case HOLE -> hole(image, mask, rnd);
      case STAIN -> stain(image, mask, rnd);
      case CRACK -> crack(image, mask, rnd);
      case MISSING_PRINT -> missingPrint(image, mask, rnd);
    }
    clamp(image);
    return new Sample(image, defect, mask);
  }

  /** Picks normal or a random defect with the given probability, deterministically per index. */
  public Sample streamSample(long index, double defectRate) {
    SplittableRandom rnd = random(index, 0xD1CE);
    if (rnd.nextDouble() < defectRate) {
      Defect[] all = Defect.values();
      return defective(index, all[rnd.nextInt(all.length)]);
    }
    return normal(index);
  }

  private SplittableRandom random(long index, long salt) {
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (index * 0xC2B2AE3D27D4EB4FL) ^ salt);
  }

  private GreyImage surface(SplittableRandom rnd) {
    Surface kind = surfaces.get(rnd.nextInt(surfaces.size()));
    GreyImage img = new GreyImage(size, size);
    float base = 0.40f + 0.15f * (float) rnd.nextDouble();
    switch (kind) {
      case METAL -> brushedMetal(img, base, rnd);
      case FABRIC -> wovenFabric(img, base, rnd);
      case PRINT -> printedPattern(img, base, rnd);
    }
    lighting(img, rnd);
    sensorNoise(img, rnd, 0.012f);
    clamp(img);
    return img;
  }

  /** Horizontal streaks: 1-D noise along y, smoothed, constant along x, slightly tilted. */
  private void brushedMetal(GreyImage img, float base, SplittableRandom rnd) {
    int extra = size;
    float[] streak = new float[size + extra];
    for (int i = 0; i < streak.length; i++) {
      streak[i] = (float) rnd.nextGaussian();
    }
    streak = smooth1d(streak, 1.2f);
    float tilt = (float) (rnd.nextDouble() - 0.5) * 0.15f;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int row = Math.floorMod(Math.round(y + tilt * x) + extra / 2, streak.length);
        img.set(x, y, base + 0.05f * streak[row]);
      }
    }
  }

  /** Over-under weave: two crossed sinusoids with a random phase and a small period jitter. */
  private void wovenFabric(GreyImage img, float base, SplittableRandom rnd) {
    double period = 7.0 + rnd.nextDouble() * 1.0;
    double px = rnd.nextDouble() * period;
    double py = rnd.nextDouble() * period;
    double w = 2 * Math.PI / period;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double warp = Math.sin(w * (x + px));
        double weft = Math.sin(w * (y + py));
        double threads = Math.abs(warp) > Math.abs(weft) ? warp : weft;
        img.set(x, y, (float) (base + 0.08 * threads));
      }
    }
  }

  /** A regular grid of printed dots with a random offset, as on labels or printed circuit films. */
  private void printedPattern(GreyImage img, float base, SplittableRandom rnd) {
    double pitch = 8.0;
    double ox = rnd.nextDouble() * pitch;
    double oy = rnd.nextDouble() * pitch;
    double radius = 2.0 + rnd.nextDouble() * 0.4;
    float ink = 0.22f;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double dx = Math.floorMod((int) Math.floor((x - ox) * 1000), (int) (pitch * 1000)) / 1000.0
            - pitch / 2;
        double dy = Math.floorMod((int) Math.floor((y - oy) * 1000), (int) (pitch * 1000)) / 1000.0
            - pitch / 2;
        double d = Math.sqrt(dx * dx + dy * dy);
        double coverage = Math.max(0, Math.min(1, radius + 0.5 - d));
        img.set(x, y, (float) (base + 0.12 - ink * coverage));
      }
    }
  }

  private void lighting(GreyImage img, SplittableRandom rnd) {
    double angle = rnd.nextDouble() * 2 * Math.PI;
    double strength = 0.06 * rnd.nextDouble();
    double gx = Math.cos(angle) * strength / size;
    double gy = Math.sin(angle) * strength / size;
    float[] p = img.pixels();
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        p[y * size + x] += (float) (gx * (x - size / 2.0) + gy * (y - size / 2.0));
      }
    }
  }

  private void sensorNoise(GreyImage img, SplittableRandom rnd, float sigma) {
    float[] p = img.pixels();
    for (int i = 0; i < p.length; i++) {
      p[i] += sigma * (float) rnd.nextGaussian();
    }
  }

  // ---- defects: each paints the image and marks every pixel it changed noticeably

  private void scratch(GreyImage img, GreyImage mask, SplittableRandom rnd) {
    double len = defectSize * (0.2 + 0.25 * rnd.nextDouble());
    double angle = rnd.nextDouble() * Math.PI;
    double cx = margin(rnd, len / 2);
    double cy = margin(rnd, len / 2);
    float delta = (rnd.nextBoolean() ? 1 : -1) * (0.28f + 0.12f * (float) rnd.nextDouble());
    double half = 0.6 + 0.5 * rnd.nextDouble();
    paintSegment(img, mask, cx, cy, angle, len, half, delta);
  }

  private void hole(GreyImage img, GreyImage mask, SplittableRandom rnd) {
    double r = defectSize * (0.035 + 0.045 * rnd.nextDouble());
    double cx = margin(rnd, r + 1);
    double cy = margin(rnd, r + 1);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double d = Math.hypot(x - cx, y - cy);
        double coverage = Math.max(0, Math.min(1, r + 0.5 - d));
        if (coverage > 0) {
          float v = img.get(x, y);
          img.set(x, y, (float) (v * (1 - coverage) + 0.06 * coverage));
          if (coverage >= 0.5) {
            mask.set(x, y, 1f);
          }
        }
      }
    }
  }

  private void stain(GreyImage img, GreyImage mask, SplittableRandom rnd) {
    double r = defectSize * (0.07 + 0.06 * rnd.nextDouble());
    double cx = margin(rnd, r);
    double cy = margin(rnd, r);
    double aspect = 0.6 + 0.8 * rnd.nextDouble();
    float delta = (rnd.nextBoolean() ? 1 : -1) * (0.20f + 0.10f * (float) rnd.nextDouble());
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double dx = (x - cx) / r;
        double dy = (y - cy) / (r * aspect);
        double w = Math.exp(-2.0 * (dx * dx + dy * dy));
        if (w > 0.02) {
          img.set(x, y, img.get(x, y) + (float) (delta * w));
          if (Math.abs(delta * w) >= 0.06) {
            mask.set(x, y, 1f);
          }
        }
      }
    }
  }

  private void crack(GreyImage img, GreyImage mask, SplittableRandom rnd) {
    double x = margin(rnd, size * 0.2);
    double y = margin(rnd, size * 0.2);
    double angle = rnd.nextDouble() * 2 * Math.PI;
    int steps = (int) (defectSize * (0.25 + 0.2 * rnd.nextDouble()));
    for (int s = 0; s < steps; s++) {
      angle += (rnd.nextDouble() - 0.5) * 0.9;
      double nx = x + Math.cos(angle);
      double ny = y + Math.sin(angle);
      paintSegment(img, mask, (x + nx) / 2, (y + ny) / 2, angle, 1.0, 0.7, -0.3f);
      x = Math.max(1, Math.min(size - 2, nx));
      y = Math.max(1, Math.min(size - 2, ny));
    }
  }

  /** A rectangle where the pattern is absent: flat base grey, as if a print head skipped. */
  private void missingPrint(GreyImage img, GreyImage mask, SplittableRandom rnd) {
    int w = (int) (defectSize * (0.12 + 0.12 * rnd.nextDouble()));
    int h = (int) (defectSize * (0.12 + 0.12 * rnd.nextDouble()));
    int x0 = 1 + rnd.nextInt(size - w - 1);
    int y0 = 1 + rnd.nextInt(size - h - 1);
    double sum = 0;
    for (float v : img.pixels()) {
      sum += v;
    }
    float flat = (float) (sum / img.pixels().length) + 0.18f;
    for (int y = y0; y < y0 + h; y++) {
      for (int x = x0; x < x0 + w; x++) {
        img.set(x, y, flat + 0.012f * (float) rnd.nextGaussian());
        mask.set(x, y, 1f);
      }
    }
  }

  private void paintSegment(GreyImage img, GreyImage mask, double cx, double cy, double angle,
      double len, double halfWidth, float delta) {
    double ux = Math.cos(angle);
    double uy = Math.sin(angle);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double rx = x - cx;
        double ry = y - cy;
        double along = rx * ux + ry * uy;
        double across = Math.abs(-rx * uy + ry * ux);
        if (Math.abs(along) <= len / 2 && across <= halfWidth + 0.5) {
          double coverage = Math.min(1, halfWidth + 0.5 - across);
          img.set(x, y, img.get(x, y) + (float) (delta * coverage));
          if (coverage >= 0.5) {
            mask.set(x, y, 1f);
          }
        }
      }
    }
  }

  private double margin(SplittableRandom rnd, double inset) {
    double lo = Math.min(inset, size / 2.0 - 1);
    return lo + rnd.nextDouble() * (size - 2 * lo);
  }

  private static void clamp(GreyImage img) {
    float[] p = img.pixels();
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.max(0f, Math.min(1f, p[i]));
    }
  }

  private static float[] smooth1d(float[] in, float sigma) {
    int r = (int) Math.ceil(3 * sigma);
    float[] k = new float[2 * r + 1];
    float sum = 0;
    for (int i = -r; i <= r; i++) {
      k[i + r] = (float) Math.exp(-(i * i) / (2.0 * sigma * sigma));
      sum += k[i + r];
    }
    float[] out = new float[in.length];
    for (int i = 0; i < in.length; i++) {
      float acc = 0;
      for (int j = -r; j <= r; j++) {
        acc += k[j + r] * in[Math.floorMod(i + j, in.length)];
      }
      out[i] = acc / sum * 2.2f;
    }
    return out;
  }
}
