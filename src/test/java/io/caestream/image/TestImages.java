package io.caestream.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Encodes small test pictures in every format the decoder must read. */
public final class TestImages {
  private TestImages() {}

  /** A w x h gradient: pixel (x,y) has grey value (x*7 + y*13) mod 256. */
  public static BufferedImage gradient(int type, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, type);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int v = (x * 7 + y * 13) & 0xFF;
        if (type == BufferedImage.TYPE_BYTE_GRAY) {
          // setRGB on a grey image applies a colour-space conversion; samples are stored as given.
          img.getRaster().setSample(x, y, 0, v);
        } else {
          img.setRGB(x, y, 0xFF000000 | (v << 16) | (v << 8) | v);
        }
      }
    }
    return img;
  }

  public static byte[] encode(BufferedImage img, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalStateException("no writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static byte[] greyPng(int w, int h) {
    return encode(gradient(BufferedImage.TYPE_BYTE_GRAY, w, h), "png");
  }

  /** Expected grey value at (x,y) of {@link #gradient}. */
  public static float expected(int x, int y) {
    return ((x * 7 + y * 13) & 0xFF) / 255f;
  }
}
