package io.caestream.dataset;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The defect simulator of the texture benchmark. It is deliberately not the training code (that
 * lives in {@code training/} and makes its own, different anomalies): a model must never have
 * seen the generator it is judged by.
 *
 * <p>Each defect changes a compact area of a crop and marks, in the mask, the pixels that a human
 * would outline: the whole patch for area defects (cut-paste, foreign material, hole), the pixels
 * a stroke (scratch, crack) covers at least a quarter (a one-pixel line between two pixel rows
 * covers each about a third, and both are marked), and the core of a stain where it is at least
 * half as strong as in its centre. Strength is set against the crop's own contrast, so a defect is
 * visible on a busy surface and not glaring on a calm one.
 */
public final class TextureDefects {

  /** The defect kinds, named as the MVTec folder under {@code test/}. */
  public enum Defect {
    /**
     * A patch of the same surface from elsewhere, rotated and rescaled (magnified or shrunk, as
     * likely either way): misplaced material with the wrong grain.
     */
    CUT_PASTE,
    /** An irregular blob of another material. */
    FOREIGN_MATERIAL,
    /** A thin bright or dark stroke, slightly curved. */
    SCRATCH,
    /** A soft-edged darker or lighter area. */
    STAIN,
    /** A dark, jagged, branching line. */
    CRACK,
    /** A dark round hole with a raised rim. */
    HOLE;

    public String folder() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private final GreyImage surface;
  private final List<GreyImage> foreign;

  /**
   * @param surface where cut-paste patches are taken from: the same split region as the crops
   * @param foreign pictures of other materials
   */
  public TextureDefects(GreyImage surface, List<GreyImage> foreign) {
    if (foreign.isEmpty()) {
      throw new IllegalArgumentException("foreign-material defects need at least one other picture");
    }
    this.surface = surface;
    this.foreign = List.copyOf(foreign);
  }

  /**
   * Paints {@code defect} into {@code img} and returns its mask (1 = defective pixel). A draw
   * whose change is too faint to see (a moved patch of plain plate landing on plain plate) is
   * drawn again: a benchmark defect is one an inspector would reject.
   */
  public GreyImage apply(GreyImage img, Defect defect, SplittableRandom rnd) {
    float[] clean = img.pixels().clone();
    GreyImage mask = null;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      System.arraycopy(clean, 0, img.pixels(), 0, clean.length);
      mask = paint(img, defect, rnd);
      if (meanChange(clean, img.pixels(), mask.pixels()) >= VISIBLE) {
        break;
      }
    }
    return mask;
  }

  /** Stroke coverage from which a pixel belongs to the mask. */
  private static final float STROKE_MASK = 0.25f;

  /** Mean absolute change inside the mask below which a defect counts as invisible. */
  static final float VISIBLE = 0.04f;
  private static final int MAX_ATTEMPTS = 20;

  private static double meanChange(float[] clean, float[] painted, float[] mask) {
    double sum = 0;
    int n = 0;
    for (int i = 0; i < mask.length; i++) {
      if (mask[i] > 0) {
        sum += Math.abs(painted[i] - clean[i]);
        n++;
      }
    }
    return n == 0 ? 0 : sum / n;
  }

  private GreyImage paint(GreyImage img, Defect defect, SplittableRandom rnd) {
    GreyImage mask = new GreyImage(img.width(), img.height());
    Stats stats = Stats.of(img);
    switch (defect) {
      case CUT_PASTE -> cutPaste(img, mask, rnd);
      case FOREIGN_MATERIAL -> foreignMaterial(img, mask, stats, rnd);
      case SCRATCH -> scratch(img, mask, stats, rnd);
      case STAIN -> stain(img, mask, rnd);
      case CRACK -> crack(img, mask, rnd);
      case HOLE -> hole(img, mask, rnd);
    }
    float[] p = img.pixels();
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.max(0f, Math.min(1f, p[i]));
    }
    return mask;
  }

  private record Stats(float mean, float std) {
    static Stats of(GreyImage img) {
      double s = 0;
      double s2 = 0;
      for (float v : img.pixels()) {
        s += v;
        s2 += v * v;
      }
      int n = img.pixels().length;
      double mean = s / n;
      return new Stats((float) mean, (float) Math.sqrt(Math.max(0, s2 / n - mean * mean)));
    }
  }

  // ---- area defects

  private void cutPaste(GreyImage img, GreyImage mask, SplittableRandom rnd) {
    int w = 9 + rnd.nextInt(10);
    int h = 9 + rnd.nextInt(10);
    int x0 = between(rnd, 2, img.width() - w - 2);
    int y0 = between(rnd, 2, img.height() - h - 2);
    double angle = Math.toRadians(30 + 300 * rnd.nextDouble());
    double zoom = 1.6 + 0.6 * rnd.nextDouble();
    if (rnd.nextBoolean()) {
      zoom = 1 / zoom;
    }
    double reach = Math.hypot(w, h) / 2 / zoom + 2;
    double sx = reach + rnd.nextDouble() * (surface.width() - 2 * reach);
    double sy = reach + rnd.nextDouble() * (surface.height() - 2 * reach);
    double cos = Math.cos(angle) / zoom;
    double sin = Math.sin(angle) / zoom;
    double cx = x0 + w / 2.0;
    double cy = y0 + h / 2.0;
    for (int y = y0; y < y0 + h; y++) {
      for (int x = x0; x < x0 + w; x++) {
        double dx = x + 0.5 - cx;
        double dy = y + 0.5 - cy;
        img.set(x, y, bilinear(surface, sx + cos * dx - sin * dy, sy + sin * dx + cos * dy));
        mask.set(x, y, 1f);
      }
    }
  }

  private void foreignMaterial(GreyImage img, GreyImage mask, Stats local, SplittableRandom rnd) {
    GreyImage other = foreign.get(rnd.nextInt(foreign.size()));
    double a = 4 + 5 * rnd.nextDouble();
    double b = 4 + 5 * rnd.nextDouble();
    double cx = between(rnd, (int) Math.ceil(Math.max(a, b)) + 2, img.width() - (int) Math.ceil(Math.max(a, b)) - 2);
    double cy = between(rnd, (int) Math.ceil(Math.max(a, b)) + 2, img.height() - (int) Math.ceil(Math.max(a, b)) - 2);
    double tilt = rnd.nextDouble() * Math.PI;
    double p1 = rnd.nextDouble() * 2 * Math.PI;
    double p2 = rnd.nextDouble() * 2 * Math.PI;
    int ox = rnd.nextInt(other.width() - img.width());
    int oy = rnd.nextInt(other.height() - img.height());
    float otherMean = meanOf(other, ox, oy, img.width(), img.height());
    // Halfway to the surface's brightness: the material differs, not only the light.
    float shift = (local.mean() - otherMean) * 0.5f;
    for (int y = 0; y < img.height(); y++) {
      for (int x = 0; x < img.width(); x++) {
        double dx = x + 0.5 - cx;
        double dy = y + 0.5 - cy;
        double u = (dx * Math.cos(tilt) + dy * Math.sin(tilt)) / a;
        double v = (-dx * Math.sin(tilt) + dy * Math.cos(tilt)) / b;
        double theta = Math.atan2(v, u);
        double edge = 1 + 0.15 * Math.sin(3 * theta + p1) + 0.1 * Math.sin(5 * theta + p2);
        double rho = Math.hypot(u, v) / edge;
        double coverage = clamp01((1 - rho) * Math.min(a, b) + 0.5);
        if (coverage > 0) {
          float f = other.get(ox + x, oy + y) + shift;
          img.set(x, y, (float) (img.get(x, y) * (1 - coverage) + f * coverage));
          if (coverage >= 0.5) {
            mask.set(x, y, 1f);
          }
        }
      }
    }
  }

  private void hole(GreyImage img, GreyImage mask, SplittableRandom rnd) {
    double r = 2.5 + 3.5 * rnd.nextDouble();
    double rim = 1.2;
    int m = (int) Math.ceil(r + rim) + 2;
    double cx = between(rnd, m, img.width() - m) + rnd.nextDouble();
    double cy = between(rnd, m, img.height() - m) + rnd.nextDouble();
    float dark = 0.02f + 0.08f * (float) rnd.nextDouble();
    for (int y = 0; y < img.height(); y++) {
      for (int x = 0; x < img.width(); x++) {
        double d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        double inside = clamp01(r + 0.5 - d);
        double ring = clamp01(r + rim + 0.5 - d) - inside;
        if (inside + ring <= 0) {
          continue;
        }
        float v = img.get(x, y);
        float bottom = dark + 0.02f * (float) rnd.nextGaussian();
        float burr = Math.min(1f, v + 0.15f);
        img.set(x, y, (float) (v * (1 - inside - ring) + bottom * inside + burr * ring));
        if (inside + ring >= 0.5) {
          mask.set(x, y, 1f);
        }
      }
    }
  }

  // ---- strokes and stains

  private void scratch(GreyImage img, GreyImage mask, Stats local, SplittableRandom rnd) {
    int steps = 14 + rnd.nextInt(23);
    double[][] path = walk(img, rnd, steps, 0.03);
    double half = 0.35 + 0.4 * rnd.nextDouble();
    float delta = (float) Math.min(0.45, Math.max(0.10, 2.0 * local.std()) * (0.9 + 0.5 * rnd.nextDouble()));
    // Scratches on metal mostly catch the light; go dark where there is no headroom.
    boolean bright = local.mean() + delta <= 0.95 && (rnd.nextDouble() < 0.7 || local.mean() - delta < 0.05);
    float[] cover = strokeCoverage(img.width(), img.height(), path, half);
    for (int i = 0; i < cover.length; i++) {
      if (cover[i] > 0) {
        img.pixels()[i] += (bright ? delta : -delta) * cover[i];
        if (cover[i] >= STROKE_MASK) {
          mask.pixels()[i] = 1f;
        }
      }
    }
  }

  private void crack(GreyImage img, GreyImage mask, SplittableRandom rnd) {
    int steps = 16 + rnd.nextInt(21);
    double[][] main = walk(img, rnd, steps, 0.35);
    double half = 0.3 + 0.3 * rnd.nextDouble();
    float[] cover = strokeCoverage(img.width(), img.height(), main, half);
    int branches = rnd.nextInt(3);
    for (int b = 0; b < branches; b++) {
      double[] from = main[1 + rnd.nextInt(main.length - 2)];
      double[][] branch = walkFrom(img, rnd, from[0], from[1], rnd.nextDouble() * 2 * Math.PI,
          5 + rnd.nextInt(8), 0.35);
      float[] c = strokeCoverage(img.width(), img.height(), branch, half * 0.8);
      for (int i = 0; i < cover.length; i++) {
        cover[i] = Math.max(cover[i], c[i]);
      }
    }
    float depth = 0.45f + 0.3f * (float) rnd.nextDouble();
    for (int i = 0; i < cover.length; i++) {
      if (cover[i] > 0) {
        float v = img.pixels()[i];
        img.pixels()[i] = v * (1 - depth * cover[i]) - 0.04f * cover[i];
        if (cover[i] >= STROKE_MASK) {
          mask.pixels()[i] = 1f;
        }
      }
    }
  }

  private void stain(GreyImage img, GreyImage mask, SplittableRandom rnd) {
    double rx = 5 + 7 * rnd.nextDouble();
    double ry = 5 + 7 * rnd.nextDouble();
    int m = (int) Math.ceil(Math.max(rx, ry) * 0.8);
    double cx = between(rnd, m, img.width() - m) + rnd.nextDouble();
    double cy = between(rnd, m, img.height() - m) + rnd.nextDouble();
    double tilt = rnd.nextDouble() * Math.PI;
    double p1 = rnd.nextDouble() * 2 * Math.PI;
    double p2 = rnd.nextDouble() * 2 * Math.PI;
    boolean dark = rnd.nextDouble() < 0.6;
    float strength = 0.35f + 0.25f * (float) rnd.nextDouble();
    for (int y = 0; y < img.height(); y++) {
      for (int x = 0; x < img.width(); x++) {
        double dx = x + 0.5 - cx;
        double dy = y + 0.5 - cy;
        double u = (dx * Math.cos(tilt) + dy * Math.sin(tilt)) / rx;
        double v = (-dx * Math.sin(tilt) + dy * Math.cos(tilt)) / ry;
        double theta = Math.atan2(v, u);
        double rho = Math.hypot(u, v) / (1 + 0.12 * Math.sin(2 * theta + p1) + 0.08 * Math.sin(3 * theta + p2));
        // Full strength inside 0.6, a cos^2 fall to nothing at 1: a compact stain with a soft edge.
        double w = rho <= 0.6 ? 1 : rho >= 1 ? 0 : Math.pow(Math.cos((rho - 0.6) / 0.4 * Math.PI / 2), 2);
        if (w <= 0) {
          continue;
        }
        float p = img.get(x, y);
        float changed = dark ? p * (1 - strength) : p + (1 - p) * strength * 0.6f;
        img.set(x, y, (float) (p + (changed - p) * w));
        if (w >= 0.5) {
          mask.set(x, y, 1f);
        }
      }
    }
  }

  /** A smooth random walk of unit steps inside the image (with a margin). */
  private static double[][] walk(GreyImage img, SplittableRandom rnd, int steps, double wiggle) {
    double x = 6 + rnd.nextDouble() * (img.width() - 12);
    double y = 6 + rnd.nextDouble() * (img.height() - 12);
    return walkFrom(img, rnd, x, y, rnd.nextDouble() * 2 * Math.PI, steps, wiggle);
  }

  private static double[][] walkFrom(GreyImage img, SplittableRandom rnd, double x, double y,
      double angle, int steps, double wiggle) {
    double[][] path = new double[steps + 1][];
    path[0] = new double[] {x, y};
    for (int s = 1; s <= steps; s++) {
      angle += wiggle * rnd.nextGaussian();
      double nx = x + Math.cos(angle);
      double ny = y + Math.sin(angle);
      if (nx < 2 || ny < 2 || nx > img.width() - 2 || ny > img.height() - 2) {
        angle += Math.PI; // turn back at the border rather than leave the picture
        nx = x + Math.cos(angle);
        ny = y + Math.sin(angle);
      }
      x = nx;
      y = ny;
      path[s] = new double[] {x, y};
    }
    return path;
  }

  /** Antialiased coverage of a polyline of the given half width, per pixel. */
  private static float[] strokeCoverage(int width, int height, double[][] path, double half) {
    float[] cover = new float[width * height];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        double px = x + 0.5;
        double py = y + 0.5;
        double best = Double.MAX_VALUE;
        for (int s = 1; s < path.length; s++) {
          best = Math.min(best, segmentDistance(px, py, path[s - 1], path[s]));
        }
        cover[y * width + x] = (float) clamp01(half + 0.5 - best);
      }
    }
    return cover;
  }

  private static double segmentDistance(double px, double py, double[] a, double[] b) {
    double vx = b[0] - a[0];
    double vy = b[1] - a[1];
    double len2 = vx * vx + vy * vy;
    double t = len2 == 0 ? 0 : clamp01(((px - a[0]) * vx + (py - a[1]) * vy) / len2);
    return Math.hypot(px - a[0] - t * vx, py - a[1] - t * vy);
  }

  private static float bilinear(GreyImage img, double x, double y) {
    double fx = Math.max(0, Math.min(img.width() - 1.001, x - 0.5));
    double fy = Math.max(0, Math.min(img.height() - 1.001, y - 0.5));
    int x0 = (int) fx;
    int y0 = (int) fy;
    double wx = fx - x0;
    double wy = fy - y0;
    double top = img.get(x0, y0) * (1 - wx) + img.get(x0 + 1, y0) * wx;
    double bottom = img.get(x0, y0 + 1) * (1 - wx) + img.get(x0 + 1, y0 + 1) * wx;
    return (float) (top * (1 - wy) + bottom * wy);
  }

  private static float meanOf(GreyImage img, int x0, int y0, int w, int h) {
    double s = 0;
    for (int y = y0; y < y0 + h; y++) {
      for (int x = x0; x < x0 + w; x++) {
        s += img.get(x, y);
      }
    }
    return (float) (s / (w * h));
  }

  private static int between(SplittableRandom rnd, int lo, int hi) {
    return hi <= lo ? lo : lo + rnd.nextInt(hi - lo + 1);
  }

  private static double clamp01(double v) {
    return Math.max(0, Math.min(1, v));
  }
}
