package io.caestream.scoring;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Anomaly maps as pictures. {@link #greyPng} is the compact form for programs and the viewer (the
 * {@code maps.topic} payload): 8-bit grey, 128 at the pixel threshold, at most
 * {@value #MAX_SIDE} pixels on its longer side. {@link #overlayPng} is for people: the image
 * itself with the map laid over it in colour, from transparent at half the pixel threshold to
 * opaque red at twice it, and the regions boxed.
 */
public final class Heatmaps {
  /** Longest side of a grey heatmap: enough to see where, small enough for a Kafka record. */
  public static final int MAX_SIDE = 256;

  private Heatmaps() {}

  public static byte[] greyPng(AnomalyMap map, double pixelThreshold) {
    AnomalyMap.Grey g = map.toGrey(pixelThreshold, MAX_SIDE);
    BufferedImage img = new BufferedImage(g.width(), g.height(), BufferedImage.TYPE_BYTE_GRAY);
    System.arraycopy(g.pixels(), 0, ((DataBufferByte) img.getRaster().getDataBuffer()).getData(), 0,
        g.pixels().length);
    return png(img);
  }

  /** The image (any format ImageIO reads) with its anomaly map and regions drawn over it. */
  public static byte[] overlayPng(byte[] image, ScoreResult result, double pixelThreshold) {
    BufferedImage base;
    try {
      base = ImageIO.read(new ByteArrayInputStream(image));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (base == null) {
      throw new IllegalArgumentException("image cannot be read for an overlay");
    }
    int w = base.getWidth();
    int h = base.getHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.drawImage(base, 0, 0, null);
    AnomalyMap map = result.map();
    if (map != null) {
      AnomalyMap.Grey grey = map.toGrey(pixelThreshold, Math.max(map.width(), map.height()));
      BufferedImage layer = new BufferedImage(grey.width(), grey.height(), BufferedImage.TYPE_INT_ARGB);
      for (int i = 0; i < grey.pixels().length; i++) {
        int v = grey.pixels()[i] & 0xFF;
        // transparent up to half the threshold (64), opaque at twice it (255)
        int a = Math.max(0, Math.min(200, (v - 64) * 200 / 191));
        int r = 255;
        int gr = Math.max(0, 200 - v);
        layer.setRGB(i % grey.width(), i / grey.width(), (a << 24) | (r << 16) | (gr << 8));
      }
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(layer, 0, 0, w, h, null);
    }
    g.setColor(Color.YELLOW);
    g.setStroke(new BasicStroke(Math.max(1f, Math.min(w, h) / 200f)));
    for (Region r : result.regions()) {
      g.drawRect(r.x(), r.y(), r.width(), r.height());
    }
    g.dispose();
    return png(out);
  }

  private static byte[] png(BufferedImage img) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
