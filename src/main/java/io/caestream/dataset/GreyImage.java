package io.caestream.dataset;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** An 8-bit grey picture held as floats in [0,1], row-major; what the generators produce. */
public final class GreyImage {
  private final int width;
  private final int height;
  private final float[] pixels;

  public GreyImage(int width, int height) {
    this(width, height, new float[width * height]);
  }

  public GreyImage(int width, int height, float[] pixels) {
    if (pixels.length != width * height) {
      throw new IllegalArgumentException("pixels do not match " + width + "x" + height);
    }
    this.width = width;
    this.height = height;
    this.pixels = pixels;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public float[] pixels() {
    return pixels;
  }

  public float get(int x, int y) {
    return pixels[y * width + x];
  }

  public void set(int x, int y, float v) {
    pixels[y * width + x] = v;
  }

  /** Encodes as an 8-bit grey PNG. */
  public byte[] toPng() {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    byte[] data = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < pixels.length; i++) {
      data[i] = (byte) Math.round(Math.max(0f, Math.min(1f, pixels[i])) * 255f);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(width * height + 256);
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public void writePng(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, toPng());
  }
}
