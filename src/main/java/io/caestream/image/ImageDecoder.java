package io.caestream.image;

import static io.caestream.image.RejectReason.BAD_DIMENSIONS;
import static io.caestream.image.RejectReason.EMPTY;
import static io.caestream.image.RejectReason.TOO_LARGE;
import static io.caestream.image.RejectReason.TOO_MANY_PIXELS;
import static io.caestream.image.RejectReason.TRUNCATED;
import static io.caestream.image.RejectReason.UNDECODABLE;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Encoded image bytes to the model's input pixels: limits, format sniffing, header check, decode,
 * channel conversion and (optionally) resize ({@link Resize}: antialiased, as in training), in that order, so that nothing is
 * allocated for an image that the limits refuse. Safe for many threads: each keeps its own
 * scratch buffers, sized by the largest image it has seen up to {@link Frame#RETAIN_FLOATS}
 * floats (larger ones are let go after use).
 */
public final class ImageDecoder {
  private final InputSpec spec;
  private final ImageLimits limits;
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

  private static final class Scratch {
    final PngDecoder png = new PngDecoder();
    float[] source = new float[0];
    float[] resized = new float[0];
  }

  public ImageDecoder(InputSpec spec, ImageLimits limits) {
    this.spec = spec;
    this.limits = limits;
  }

  public InputSpec spec() {
    return spec;
  }

  public ImageLimits limits() {
    return limits;
  }

  /**
   * Decodes at the image's own size into {@code frame} (grown as needed; planar, the model's
   * channels), for tiling.
   *
   * @return the image's header
   */
  public ImageHeader decodeFrame(byte[] bytes, Frame frame) throws ImageRejectedException {
    ImageHeader header = check(bytes);
    frame.reset(header.width(), header.height(), spec.channels());
    decodePixels(header, bytes, frame.pixels(), scratch.get());
    return header;
  }

  /**
   * Decodes into {@code out} (at least {@code spec.size()} floats, planar C,H,W).
   *
   * @return the original image's header (format and size before any resize)
   */
  public ImageHeader decode(byte[] bytes, float[] out) throws ImageRejectedException {
    ImageHeader header = check(bytes);
    Scratch s = scratch.get();
    boolean sameSize = header.width() == spec.width() && header.height() == spec.height();
    int sourceSize = spec.channels() * header.width() * header.height();
    float[] target;
    if (sameSize) {
      target = out;
    } else {
      if (s.source.length < sourceSize) {
        s.source = new float[sourceSize];
      }
      target = s.source;
    }
    decodePixels(header, bytes, target, s);
    if (!sameSize) {
      int tmp = Resize.scratchSize(header.width(), header.height(), spec.channels(), spec.width());
      if (s.resized.length < tmp) {
        s.resized = new float[tmp];
      }
      Resize.resize(target, header.width(), header.height(), spec.channels(), out, spec.width(),
          spec.height(), s.resized);
      // One huge image must not pin its buffers for the life of the thread.
      if (s.source.length > Frame.RETAIN_FLOATS) {
        s.source = new float[0];
      }
      if (s.resized.length > Frame.RETAIN_FLOATS) {
        s.resized = new float[0];
      }
    }
    return header;
  }

  /** Every check that needs no pixels; returns the header. */
  public ImageHeader check(byte[] bytes) throws ImageRejectedException {
    if (bytes == null || bytes.length == 0) {
      throw new ImageRejectedException(EMPTY, "the record has no image bytes");
    }
    if (bytes.length > limits.maxBytes()) {
      throw new ImageRejectedException(TOO_LARGE,
          bytes.length + " bytes is over image.max.bytes=" + limits.maxBytes());
    }
    ImageFormat format = ImageFormat.sniff(bytes);
    if (format == ImageFormat.UNKNOWN) {
      throw new ImageRejectedException(RejectReason.UNKNOWN_FORMAT,
          "no known image signature in the first bytes");
    }
    if (!format.supported()) {
      throw new ImageRejectedException(RejectReason.UNSUPPORTED_FORMAT,
          format + " is not supported (PNG, JPEG and BMP are)");
    }
    ImageHeader header = ImageHeader.read(format, bytes);
    if (header.pixels() > limits.maxPixels()) {
      throw new ImageRejectedException(TOO_MANY_PIXELS, "header claims " + header.width() + "x"
          + header.height() + " pixels, over image.max.pixels=" + limits.maxPixels());
    }
    if (limits.fit() == ImageFit.REJECT
        && (header.width() != spec.width() || header.height() != spec.height())) {
      throw new ImageRejectedException(BAD_DIMENSIONS, "image is " + header.width() + "x"
          + header.height() + ", the model takes " + spec.width() + "x" + spec.height()
          + " and image.fit=reject");
    }
    if (format == ImageFormat.JPEG && !endsWithEoi(bytes)) {
      throw new ImageRejectedException(TRUNCATED, "JPEG has no end-of-image marker");
    }
    return header;
  }

  private void decodePixels(ImageHeader header, byte[] bytes, float[] target, Scratch s)
      throws ImageRejectedException {
    if (header.format() == ImageFormat.PNG && s.png.decode(bytes, spec.channels(), target)) {
      return;
    }
    BufferedImage img = readWithImageIo(header, bytes);
    if (img.getWidth() != header.width() || img.getHeight() != header.height()) {
      throw new ImageRejectedException(RejectReason.CORRUPT, "decoded size " + img.getWidth() + "x"
          + img.getHeight() + " differs from the header's " + header.width() + "x" + header.height());
    }
    fromBufferedImage(img, target);
  }

  private static BufferedImage readWithImageIo(ImageHeader header, byte[] bytes)
      throws ImageRejectedException {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new ImageRejectedException(UNDECODABLE, "no decoder accepts this " + header.format());
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        return reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (EOFException e) {
      throw new ImageRejectedException(TRUNCATED, header.format() + " ends early", e);
    } catch (IOException | RuntimeException e) {
      throw new ImageRejectedException(UNDECODABLE, header.format() + " cannot be decoded: "
          + e.getMessage(), e);
    }
  }

  private void fromBufferedImage(BufferedImage img, float[] out) {
    int w = img.getWidth();
    int h = img.getHeight();
    int plane = w * h;
    if (img.getType() == BufferedImage.TYPE_BYTE_GRAY && spec.channels() == 1) {
      byte[] data = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
      for (int i = 0; i < plane; i++) {
        out[i] = (data[i] & 0xFF) / 255f;
      }
      return;
    }
    java.awt.image.Raster raster = img.getRaster();
    if (raster.getNumBands() == 1 && img.getColorModel().getColorSpace().getType()
        == java.awt.color.ColorSpace.TYPE_GRAY) {
      // Grey of any depth (16-bit interlaced PNG, grey JPEG): the stored samples, no sRGB conversion.
      float max = (1 << img.getColorModel().getComponentSize(0)) - 1;
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          float v = row[x] / max;
          PixelConversion.store(out, y * w + x, plane, spec.channels(), v, v, v);
        }
      }
      return;
    }
    int[] rgb = new int[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, rgb, 0, w);
      for (int x = 0; x < w; x++) {
        int p = rgb[x];
        PixelConversion.store(out, y * w + x, plane, spec.channels(), ((p >> 16) & 0xFF) / 255f,
            ((p >> 8) & 0xFF) / 255f, (p & 0xFF) / 255f);
      }
    }
  }

  private static boolean endsWithEoi(byte[] b) {
    // Some encoders pad after EOI; look at the last few bytes only.
    for (int i = b.length - 2; i >= Math.max(2, b.length - 64); i--) {
      if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xD9) {
        return true;
      }
    }
    return false;
  }
}
