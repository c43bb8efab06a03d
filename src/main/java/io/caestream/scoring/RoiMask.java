package io.caestream.scoring;

import io.caestream.image.ImageDecoder;
import io.caestream.image.ImageHeader;
import io.caestream.image.ImageLimits;
import io.caestream.image.ImageRejectedException;
import io.caestream.image.InputSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pixels that count ({@code image.roi.mask}): a grey PNG, white (above half) = inspected.
 * Labels, fixtures and the edges of a part are typical exclusions. It may be drawn at the frame's
 * size or at the model's; for a map of any other size it is scaled by nearest neighbour. Pixels
 * outside never count toward the score or the regions.
 */
public final class RoiMask {
  private final int width;
  private final int height;
  private final boolean[] inside;
  private final Map<Long, boolean[]> scaled = new ConcurrentHashMap<>();

  public RoiMask(int width, int height, boolean[] inside) {
    if (inside.length != width * height) {
      throw new IllegalArgumentException("mask must be " + width + "x" + height);
    }
    int count = 0;
    for (boolean b : inside) {
      count += b ? 1 : 0;
    }
    if (count == 0) {
      throw new IllegalArgumentException("the region of interest is empty (no white pixel)");
    }
    this.width = width;
    this.height = height;
    this.inside = inside.clone();
  }

  /** Reads a mask image (PNG, or any format the scorer decodes). */
  public static RoiMask read(byte[] image) throws ImageRejectedException {
    ImageDecoder probe = new ImageDecoder(new InputSpec(1, 1, 1), ImageLimits.DEFAULT);
    ImageHeader h = probe.check(image);
    float[] grey = new float[h.width() * h.height()];
    new ImageDecoder(new InputSpec(1, h.height(), h.width()), ImageLimits.DEFAULT).decode(image, grey);
    boolean[] in = new boolean[grey.length];
    for (int i = 0; i < grey.length; i++) {
      in[i] = grey[i] > 0.5f;
    }
    return new RoiMask(h.width(), h.height(), in);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** The mask for a map of {@code w x h} pixels (cached per size). */
  public boolean[] at(int w, int h) {
    if (w == width && h == height) {
      return inside;
    }
    return scaled.computeIfAbsent(((long) w << 32) | h, k -> {
      boolean[] out = new boolean[w * h];
      for (int y = 0; y < h; y++) {
        int sy = Math.min(height - 1, (int) ((y + 0.5) * height / h));
        for (int x = 0; x < w; x++) {
          int sx = Math.min(width - 1, (int) ((x + 0.5) * width / w));
          out[y * w + x] = inside[sy * width + sx];
        }
      }
      return out;
    });
  }
}
