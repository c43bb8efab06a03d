package io.caestream.image;

import static io.caestream.image.RejectReason.CORRUPT;
import static io.caestream.image.RejectReason.TRUNCATED;

import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A PNG decoder that writes straight into float planes: no BufferedImage, no per-image buffers
 * beyond two scanlines, which it keeps between calls. Handles every non-interlaced PNG (grey,
 * grey+alpha, RGB, RGBA, palette; 1-16 bits), checks every chunk CRC and tells a truncated
 * file from a corrupt one. Interlaced PNGs are left to ImageIO. One instance per thread.
 */
final class PngDecoder {
  private static final float[] BYTE_TO_UNIT = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      BYTE_TO_UNIT[i] = i / 255f;
    }
  }

  private final Inflater inflater = new Inflater();
  private final CRC32 crc = new CRC32();
  /** All filtered scanlines of the image (one filter byte + stride each), reused between calls. */
  private byte[] raw = new byte[0];
  private byte[] zeroRow = new byte[0];

  private byte[] src;
  private int nextChunk;

  /** Returns false when the PNG is interlaced (the caller uses another decoder). */
  boolean decode(byte[] png, int outChannels, float[] out) throws ImageRejectedException {
    src = png;
    int pos = 8;
    int width = 0;
    int height = 0;
    int depth = 0;
    int colorType = 0;
    float[] palette = null;
    // Header chunks up to the first IDAT.
    while (true) {
      Chunk c = chunk(pos);
      if (c.is("IHDR")) {
        if (width != 0) {
          // A second IHDR could claim a size the pixel limit never saw.
          throw new ImageRejectedException(CORRUPT, "PNG has more than one IHDR chunk");
        }
        width = ImageHeader.int32(png, c.data);
        height = ImageHeader.int32(png, c.data + 4);
        depth = png[c.data + 8];
        colorType = png[c.data + 9];
        if (png[c.data + 10] != 0 || png[c.data + 11] != 0) {
          throw new ImageRejectedException(CORRUPT, "PNG uses an unknown compression or filter method");
        }
        if (png[c.data + 12] != 0) {
          return false;
        }
        checkDepth(colorType, depth);
      } else if (c.is("PLTE")) {
        palette = palette(png, c.data, c.length);
      } else if (c.is("IDAT")) {
        nextChunk = pos;
        break;
      } else if (c.is("IEND")) {
        throw new ImageRejectedException(TRUNCATED, "PNG has no image data (IEND before IDAT)");
      }
      pos = c.end;
    }
    if (colorType == 3 && palette == null) {
      throw new ImageRejectedException(CORRUPT, "palette PNG without a PLTE chunk");
    }
    int samples = switch (colorType) {
      case 0, 3 -> 1;
      case 4 -> 2;
      case 2 -> 3;
      default -> 4;
    };
    int bitsPerPixel = samples * depth;
    int bpp = Math.max(1, bitsPerPixel / 8);
    int stride = (int) (((long) width * bitsPerPixel + 7) / 8);
    int rowBytes = stride + 1;
    long total = (long) rowBytes * height;
    if (total > Integer.MAX_VALUE - 8) {
      throw new ImageRejectedException(RejectReason.TOO_MANY_PIXELS, "PNG scanlines exceed 2 GB");
    }
    if (raw.length < total) {
      raw = new byte[(int) total];
    }
    if (zeroRow.length < rowBytes) {
      zeroRow = new byte[rowBytes];
    }
    inflater.reset();
    // One inflate call for the whole image: a JNI crossing per row costs more than the row itself.
    inflateAll((int) total);
    int plane = width * height;
    for (int y = 0; y < height; y++) {
      int off = y * rowBytes;
      if (y == 0) {
        unfilter(raw, off, zeroRow, 0, stride, bpp);
      } else {
        unfilter(raw, off, raw, off - rowBytes, stride, bpp);
      }
      convertRow(raw, off, colorType, depth, width, palette, outChannels, out, y * width, plane);
    }
    if (raw.length > RETAIN_BYTES) {
      raw = new byte[0]; // one huge image must not pin its scanlines for the life of the thread
    }
    return true;
  }

  /** Scanline bytes kept between images (16 MiB); larger buffers are let go after use. */
  static final int RETAIN_BYTES = 16 << 20;

  private void inflateAll(int n) throws ImageRejectedException {
    int got = 0;
    try {
      while (got < n) {
        int k = inflater.inflate(raw, got, n - got);
        got += k;
        if (k == 0) {
          if (inflater.finished()) {
            throw new ImageRejectedException(CORRUPT, "PNG image data ends before the last row");
          }
          if (inflater.needsDictionary()) {
            throw new ImageRejectedException(CORRUPT, "PNG zlib stream asks for a preset dictionary");
          }
          if (inflater.needsInput()) {
            feedNextIdat();
          }
        }
      }
    } catch (DataFormatException e) {
      throw new ImageRejectedException(CORRUPT, "PNG zlib stream is corrupt: " + e.getMessage());
    }
  }

  private void feedNextIdat() throws ImageRejectedException {
    Chunk c = chunk(nextChunk);
    if (!c.is("IDAT")) {
      throw new ImageRejectedException(TRUNCATED, "PNG image data ends before the last row");
    }
    inflater.setInput(src, c.data, c.length);
    nextChunk = c.end;
  }

  private record Chunk(int type, int data, int length, int end) {
    boolean is(String t) {
      return type == ((t.charAt(0) << 24) | (t.charAt(1) << 16) | (t.charAt(2) << 8) | t.charAt(3));
    }
  }

  private Chunk chunk(int pos) throws ImageRejectedException {
    if (pos + 8 > src.length) {
      throw new ImageRejectedException(TRUNCATED, "PNG ends at byte " + src.length + " inside a chunk header");
    }
    int length = ImageHeader.int32(src, pos);
    if (length < 0) {
      throw new ImageRejectedException(CORRUPT, "PNG chunk with negative length at byte " + pos);
    }
    long end = (long) pos + 12 + length;
    if (end > src.length) {
      throw new ImageRejectedException(TRUNCATED, "PNG ends at byte " + src.length + " inside a chunk");
    }
    crc.reset();
    crc.update(src, pos + 4, 4 + length);
    if ((int) crc.getValue() != ImageHeader.int32(src, pos + 8 + length)) {
      throw new ImageRejectedException(CORRUPT, "PNG chunk CRC mismatch at byte " + pos);
    }
    return new Chunk(ImageHeader.int32(src, pos + 4), pos + 8, length, (int) end);
  }

  private static void checkDepth(int colorType, int depth) throws ImageRejectedException {
    boolean ok = switch (colorType) {
      case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
      case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
      case 2, 4, 6 -> depth == 8 || depth == 16;
      default -> false;
    };
    if (!ok) {
      throw new ImageRejectedException(CORRUPT, "PNG color type " + colorType + " with bit depth " + depth);
    }
  }

  private static float[] palette(byte[] b, int off, int len) throws ImageRejectedException {
    if (len % 3 != 0 || len == 0 || len > 768) {
      throw new ImageRejectedException(CORRUPT, "PNG palette of " + len + " bytes");
    }
    float[] p = new float[len];
    for (int i = 0; i < len; i++) {
      p[i] = BYTE_TO_UNIT[b[off + i] & 0xFF];
    }
    return p;
  }

  /** Reverses the PNG filter of the row at {@code r[o]} (filter byte first) against the previous row at {@code p[po]}. */
  private static void unfilter(byte[] r, int o, byte[] p, int po, int stride, int bpp)
      throws ImageRejectedException {
    int type = r[o];
    switch (type) {
      case 0 -> { }
      case 1 -> {
        for (int i = 1 + bpp; i <= stride; i++) {
          r[o + i] += r[o + i - bpp];
        }
      }
      case 2 -> {
        for (int i = 1; i <= stride; i++) {
          r[o + i] += p[po + i];
        }
      }
      case 3 -> {
        for (int i = 1; i <= stride; i++) {
          int left = i > bpp ? r[o + i - bpp] & 0xFF : 0;
          r[o + i] += (byte) ((left + (p[po + i] & 0xFF)) >>> 1);
        }
      }
      case 4 -> {
        for (int i = 1; i <= stride; i++) {
          int a = i > bpp ? r[o + i - bpp] & 0xFF : 0;
          int b = p[po + i] & 0xFF;
          int c = i > bpp ? p[po + i - bpp] & 0xFF : 0;
          int pr = a + b - c;
          int pa = Math.abs(pr - a);
          int pb = Math.abs(pr - b);
          int pc = Math.abs(pr - c);
          r[o + i] += (byte) (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
      }
      default -> throw new ImageRejectedException(CORRUPT, "PNG row filter type " + type);
    }
  }

  private static void convertRow(byte[] buf, int off, int colorType, int depth, int width,
      float[] palette, int outChannels, float[] out, int base, int plane) {
    if (colorType == 0 && depth == 8 && outChannels == 1) {
      // The common case of inspection cameras: one table look-up per pixel.
      for (int x = 0; x < width; x++) {
        out[base + x] = BYTE_TO_UNIT[buf[off + 1 + x] & 0xFF];
      }
      return;
    }
    RowView r = new RowView(buf, off);
    for (int x = 0; x < width; x++) {
      float red;
      float green;
      float blue;
      switch (colorType) {
        case 0, 4 -> {
          int stepBytes = colorType == 0 ? 1 : 2;
          red = green = blue = depth < 8 ? r.packed(x, depth) : r.sample(x * stepBytes, depth);
        }
        case 3 -> {
          int idx = depth < 8 ? r.packedIndex(x, depth) : r.unsigned(1 + x);
          int p = Math.min(idx * 3, palette.length - 3);
          red = palette[p];
          green = palette[p + 1];
          blue = palette[p + 2];
        }
        default -> {
          int samples = colorType == 2 ? 3 : 4;
          red = r.sample(x * samples, depth);
          green = r.sample(x * samples + 1, depth);
          blue = r.sample(x * samples + 2, depth);
        }
      }
      PixelConversion.store(out, base + x, plane, outChannels, red, green, blue);
    }
  }

  /** A scanline inside the shared buffer ({@code off} is its filter byte). */
  private record RowView(byte[] b, int off) {
    int unsigned(int i) {
      return b[off + i] & 0xFF;
    }

    /** The s-th sample of the row, 8 or 16 bits. */
    float sample(int s, int depth) {
      if (depth == 8) {
        return BYTE_TO_UNIT[unsigned(1 + s)];
      }
      int o = 1 + 2 * s;
      return ((unsigned(o) << 8) | unsigned(o + 1)) / 65535f;
    }

    int packedIndex(int x, int depth) {
      int bit = x * depth;
      int shift = 8 - depth - (bit & 7);
      return (unsigned(1 + (bit >>> 3)) >>> shift) & ((1 << depth) - 1);
    }

    float packed(int x, int depth) {
      return packedIndex(x, depth) / (float) ((1 << depth) - 1);
    }
  }
}
