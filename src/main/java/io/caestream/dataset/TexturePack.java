package io.caestream.dataset;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;

/**
 * Photographed textures from a Quake 3 style {@code .pk3} (a zip of JPEGs), by default the one
 * Debian's {@code openarena-081-textures} package installs. Pictures are read as grey (ITU-R
 * BT.601 luma, as the scorer converts colour for grey models).
 */
public final class TexturePack implements AutoCloseable {
  /** Where {@code apt-get install openarena-081-textures} puts the pack. */
  public static final Path DEFAULT_PACK =
      Path.of("/usr/share/games/openarena/baseoa/pak4-textures.pk3");

  private final Path file;
  private final ZipFile zip;

  private TexturePack(Path file, ZipFile zip) {
    this.file = file;
    this.zip = zip;
  }

  /** Opens a pack; a missing file names the package that provides the default one. */
  public static TexturePack open(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("texture pack " + file + " does not exist"
          + (file.equals(DEFAULT_PACK) ? " (apt-get install openarena-081-textures)" : ""));
    }
    return new TexturePack(file, new ZipFile(file.toFile()));
  }

  public Path file() {
    return file;
  }

  /** One picture of the pack as grey floats in [0,1]. */
  public GreyImage grey(String entryName) throws IOException {
    ZipEntry entry = zip.getEntry(entryName);
    if (entry == null) {
      throw new IllegalArgumentException(file + " has no entry " + entryName);
    }
    BufferedImage img;
    try (InputStream in = zip.getInputStream(entry)) {
      img = ImageIO.read(new ByteArrayInputStream(in.readAllBytes()));
    }
    if (img == null) {
      throw new IOException(entryName + " in " + file + " is not a readable image");
    }
    int w = img.getWidth();
    int h = img.getHeight();
    GreyImage out = new GreyImage(w, h);
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int p = row[x];
        out.set(x, y, (0.299f * ((p >> 16) & 0xFF) + 0.587f * ((p >> 8) & 0xFF)
            + 0.114f * (p & 0xFF)) / 255f);
      }
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    zip.close();
  }
}
