package io.caestream.dataset;

import io.caestream.dataset.TextureDefects.Defect;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One surface of the texture benchmark: its photograph split into two bands of rows that never
 * overlap, separated by a gap, so that no test crop shares a pixel with a training crop. Training
 * crops come from the upper band, test crops (and the patches that cut-paste defects move) from
 * the lower one. Every crop is a function of (seed, split, index), so sets regenerate exactly.
 */
public final class TextureBenchmark {
  /** Share of the picture's rows that the training band takes. */
  static final double TRAIN_SHARE = 0.625;

  /** Rows {@code [y0, y1)} of the photograph, full width. */
  public record Band(int y0, int y1) {
    public int rows() {
      return y1 - y0;
    }

    public boolean overlaps(Band other) {
      return y0 < other.y1 && other.y0 < y1;
    }
  }

  /** Which band a crop is cut from. */
  public enum Split { TRAIN, TEST }

  /** A crop: its pixels, where it came from, and for a defect the clean crop and the mask. */
  public record Crop(Split split, int x, int y, GreyImage image, GreyImage clean, GreyImage mask,
      Defect defect) {
    public boolean defective() {
      return defect != null;
    }
  }

  private final TextureSurface surface;
  private final GreyImage photo;
  private final int size;
  private final long seed;
  private final Band train;
  private final Band test;
  private final TextureDefects defects;

  public TextureBenchmark(TextureSurface surface, GreyImage photo, List<GreyImage> foreign, int size,
      long seed) {
    int gap = Math.max(8, photo.height() / 32);
    int trainEnd = (int) Math.round(photo.height() * TRAIN_SHARE);
    if (size < 16 || size > photo.width() || trainEnd < size || photo.height() - trainEnd - gap < size + 8) {
      throw new IllegalArgumentException(surface.word() + " (" + photo.width() + "x" + photo.height()
          + ") is too small for " + size + "-pixel crops from two disjoint bands");
    }
    this.surface = surface;
    this.photo = photo;
    this.size = size;
    this.seed = seed;
    this.train = new Band(0, trainEnd);
    this.test = new Band(trainEnd + gap, photo.height());
    this.defects = new TextureDefects(band(test), foreign);
  }

  /** Opens a surface and the foreign materials from the pack. */
  public static TextureBenchmark open(TexturePack pack, TextureSurface surface, int size, long seed)
      throws IOException {
    List<GreyImage> foreign = new ArrayList<>();
    for (String entry : TextureSurface.FOREIGN) {
      foreign.add(pack.grey(entry));
    }
    return new TextureBenchmark(surface, pack.grey(surface.entry()), foreign, size, seed);
  }

  public TextureSurface surface() {
    return surface;
  }

  public Band trainBand() {
    return train;
  }

  public Band testBand() {
    return test;
  }

  public int photoWidth() {
    return photo.width();
  }

  public int photoHeight() {
    return photo.height();
  }

  /** A normal crop of the given split. */
  public Crop normal(Split split, long index) {
    SplittableRandom rnd = random(split, index, 0x6009);
    return crop(split, rnd, null);
  }

  /** A test crop with the given defect painted in. */
  public Crop defective(long index, Defect defect) {
    SplittableRandom rnd = random(Split.TEST, index, 0xDEF0 + defect.ordinal());
    return crop(Split.TEST, rnd, defect);
  }

  private Crop crop(Split split, SplittableRandom rnd, Defect defect) {
    Band band = split == Split.TRAIN ? train : test;
    int x = rnd.nextInt(photo.width() - size + 1);
    int y = band.y0() + rnd.nextInt(band.rows() - size + 1);
    GreyImage clean = cut(photo, x, y, size, size);
    if (defect == null) {
      return new Crop(split, x, y, clean, null, null, null);
    }
    GreyImage image = new GreyImage(size, size, clean.pixels().clone());
    GreyImage mask = defects.apply(image, defect, rnd);
    return new Crop(split, x, y, image, clean, mask, defect);
  }

  private SplittableRandom random(Split split, long index, long salt) {
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (index * 0xC2B2AE3D27D4EB4FL)
        ^ ((long) surface.ordinal() << 40) ^ ((long) split.ordinal() << 56) ^ salt);
  }

  private GreyImage band(Band b) {
    return cut(photo, 0, b.y0(), photo.width(), b.rows());
  }

  private static GreyImage cut(GreyImage src, int x0, int y0, int w, int h) {
    GreyImage out = new GreyImage(w, h);
    for (int y = 0; y < h; y++) {
      System.arraycopy(src.pixels(), (y0 + y) * src.width() + x0, out.pixels(), y * w, w);
    }
    return out;
  }
}
