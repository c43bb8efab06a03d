package io.caestream.reliability;

import io.caestream.image.TestImages;
import io.caestream.stream.BadImages;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Input records that must not be scored, each with the dead-letter reason it must get, and image
 * variants that look unusual but are supported (they must be scored, not dead-lettered). Built for
 * a 64x64 grey model with {@code image.fit=reject}.
 */
final class BadRecords {
  /** Outcome word for records that must be scored. */
  static final String SCORED = "scored";

  /** One record: key and value may be null; {@code expected} is a reason word or {@link #SCORED}. */
  record Case(String kind, String expected, byte[] key, byte[] value, List<Header> headers) {}

  private BadRecords() {}

  static List<Case> all(int size, int maxBytes) {
    List<Case> out = new ArrayList<>();
    byte[] key = "line-9/cam-1".getBytes(StandardCharsets.UTF_8);
    // The 11 kinds of BadImages: zero bytes, random bytes, truncated PNG and JPEG, corrupt CRC,
    // decompression bomb, GIF, TIFF, WebP, over image.max.bytes, zero width.
    for (Map.Entry<String, byte[]> e : BadImages.corpus(size, maxBytes).entrySet()) {
      out.add(new Case(e.getKey(), BadImages.reason(e.getKey()), key, e.getValue(), List.of()));
    }
    byte[] png = TestImages.greyPng(size, size);
    byte[] jpeg = TestImages.encode(TestImages.gradient(BufferedImage.TYPE_BYTE_GRAY, size, size), "jpeg");
    out.add(new Case("empty:null-value", "empty", key, null, List.of()));
    out.add(new Case("missing-key:null-key", "missing-key", null, png, List.of()));
    out.add(new Case("bad-key:over-1024-bytes", "bad-key", "k".repeat(1025).getBytes(StandardCharsets.UTF_8), png,
        List.of()));
    out.add(new Case("bad-header:image-id-invalid-utf8", "bad-header", key, png,
        List.of(new RecordHeader("image-id", new byte[] {'i', 'd', (byte) 0xC3, 0x28}))));
    out.add(new Case("bad-header:image-id-twice", "bad-header", key, png,
        List.of(new RecordHeader("image-id", bytes("a")), new RecordHeader("image-id", bytes("b")))));
    out.add(new Case("bad-header:image-id-control-char", "bad-header", key, png,
        List.of(new RecordHeader("image-id", bytes("id\u0000x")))));
    out.add(new Case("bad-header:image-id-null-value", "bad-header", key, png,
        List.of(new RecordHeader("image-id", null))));
    out.add(new Case("bad-header:content-type-too-long", "bad-header", key, png,
        List.of(new RecordHeader("content-type", new byte[4096]))));
    out.add(new Case("bad-dimensions:png-wrong-size-resize-off", "bad-dimensions", key,
        TestImages.greyPng(size / 2, size), List.of()));
    out.add(new Case("bad-dimensions:jpeg-wrong-size-resize-off", "bad-dimensions", key,
        TestImages.encode(TestImages.gradient(BufferedImage.TYPE_BYTE_GRAY, size * 2, size * 2), "jpeg"), List.of()));
    out.add(new Case("corrupt:png-zlib-stream", "corrupt", key, corruptZlib(png), List.of()));
    out.add(new Case("too-many-pixels:jpeg-bomb", "too-many-pixels", key, jpegClaimingSize(jpeg, 60_000, 60_000), List.of()));
    out.add(new Case("undecodable:bmp-unknown-compression", "undecodable", key, bmpWithCompression(size, 99), List.of()));
    out.add(new Case("truncated:bmp", "truncated", key, Arrays.copyOf(bmp(size), 200), List.of()));
    // Supported variants: scored, never dead-lettered.
    out.add(new Case("variant:png-16-bit-grey", SCORED, key, png(TestImages.encode(ushortGrey(size), "png"), 16, 0), List.of()));
    out.add(new Case("variant:png-grey-alpha", SCORED, key, png(TestImages.encode(greyAlpha(size, DataBuffer.TYPE_BYTE), "png"), 8, 4), List.of()));
    out.add(new Case("variant:png-16-bit-grey-alpha", SCORED, key, png(TestImages.encode(greyAlpha(size, DataBuffer.TYPE_USHORT), "png"), 16, 4), List.of()));
    out.add(new Case("variant:png-rgba", SCORED, key, png(TestImages.encode(TestImages.gradient(BufferedImage.TYPE_INT_ARGB, size, size), "png"), 8, 6), List.of()));
    out.add(new Case("variant:png-rgb", SCORED, key, png(TestImages.encode(TestImages.gradient(BufferedImage.TYPE_3BYTE_BGR, size, size), "png"), 8, 2), List.of()));
    out.add(new Case("variant:png-palette", SCORED, key, png(TestImages.encode(TestImages.gradient(BufferedImage.TYPE_BYTE_INDEXED, size, size), "png"), 8, 3), List.of()));
    out.add(new Case("variant:png-interlaced", SCORED, key, interlacedPng(TestImages.gradient(BufferedImage.TYPE_BYTE_GRAY, size, size)), List.of()));
    out.add(new Case("variant:jpeg-grey", SCORED, key, jpeg, List.of()));
    out.add(new Case("variant:jpeg-rgb", SCORED, key, TestImages.encode(TestImages.gradient(BufferedImage.TYPE_3BYTE_BGR, size, size), "jpeg"), List.of()));
    out.add(new Case("variant:bmp-24-bit", SCORED, key, bmp(size), List.of()));
    out.add(new Case("variant:unicode-image-id", SCORED, key, png, List.of(new RecordHeader("image-id", bytes("Prüfteil-№7")))));
    return out;
  }

  /** Checks that the encoder wrote the PNG variant the case claims (IHDR bit depth and colour type). */
  private static byte[] png(byte[] b, int depth, int colourType) {
    if (b[24] != depth || b[25] != colourType) {
      throw new IllegalStateException("PNG encoder wrote depth " + b[24] + " colour type " + b[25]
          + ", not " + depth + "/" + colourType);
    }
    return b;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static BufferedImage ushortGrey(int size) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_USHORT_GRAY);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        img.getRaster().setSample(x, y, 0, ((x * 7 + y * 13) & 0xFF) * 257);
      }
    }
    return img;
  }

  private static BufferedImage greyAlpha(int size, int dataType) {
    ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
        Transparency.TRANSLUCENT, dataType);
    WritableRaster r = cm.createCompatibleWritableRaster(size, size);
    int max = dataType == DataBuffer.TYPE_BYTE ? 255 : 65535;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        r.setSample(x, y, 0, (x * 7 + y * 13) % (max + 1));
        r.setSample(x, y, 1, max);
      }
    }
    return new BufferedImage(cm, r, false, null);
  }

  private static byte[] interlacedPng(BufferedImage img) {
    ImageWriter w = ImageIO.getImageWritersByFormatName("png").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
      w.setOutput(ios);
      ImageWriteParam p = w.getDefaultWriteParam();
      p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      w.write(null, new IIOImage(img, null, null), p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      w.dispose();
    }
    byte[] b = out.toByteArray();
    if (b[28] != 1) {
      throw new IllegalStateException("the PNG writer did not interlace");
    }
    return b;
  }

  private static byte[] bmp(int size) {
    return TestImages.encode(TestImages.gradient(BufferedImage.TYPE_3BYTE_BGR, size, size), "bmp");
  }

  /** A BMP whose info header names a compression method that does not exist. */
  private static byte[] bmpWithCompression(int size, int compression) {
    byte[] b = bmp(size);
    b[30] = (byte) compression;
    b[31] = 0;
    b[32] = 0;
    b[33] = 0;
    return b;
  }

  /** The first IDAT's zlib header made invalid, with the chunk CRC fixed so only the stream is wrong. */
  private static byte[] corruptZlib(byte[] png) {
    byte[] b = png.clone();
    int pos = 8;
    while (pos + 8 <= b.length) {
      int len = ((b[pos] & 0xFF) << 24) | ((b[pos + 1] & 0xFF) << 16) | ((b[pos + 2] & 0xFF) << 8) | (b[pos + 3] & 0xFF);
      String type = new String(b, pos + 4, 4, StandardCharsets.ISO_8859_1);
      if (type.equals("IDAT")) {
        b[pos + 8] = 0x00;
        b[pos + 9] = 0x01;
        CRC32 crc = new CRC32();
        crc.update(b, pos + 4, 4 + len);
        int c = (int) crc.getValue();
        int at = pos + 8 + len;
        b[at] = (byte) (c >>> 24);
        b[at + 1] = (byte) (c >>> 16);
        b[at + 2] = (byte) (c >>> 8);
        b[at + 3] = (byte) c;
        return b;
      }
      pos += 12 + len;
    }
    throw new IllegalStateException("no IDAT chunk");
  }

  /** A JPEG whose frame header (SOF0) claims {@code width x height}: a bomb refused unread. */
  private static byte[] jpegClaimingSize(byte[] jpeg, int width, int height) {
    byte[] b = jpeg.clone();
    for (int i = 2; i + 9 < b.length; i++) {
      if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xC0) {
        b[i + 5] = (byte) (height >>> 8);
        b[i + 6] = (byte) height;
        b[i + 7] = (byte) (width >>> 8);
        b[i + 8] = (byte) width;
        return b;
      }
    }
    throw new IllegalStateException("no SOF0 marker");
  }
}
