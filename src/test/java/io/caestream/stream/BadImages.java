package io.caestream.stream;

import io.caestream.image.ImageDecoderTestAccess;
import io.caestream.image.TestImages;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** A corpus of broken image records, each with the dead-letter reason it must get. */
public final class BadImages {
  private BadImages() {}

  /** value bytes by name; the name's prefix before ':' is the expected reason word. */
  public static Map<String, byte[]> corpus(int size, int maxBytes) {
    byte[] png = TestImages.greyPng(size, size);
    byte[] jpeg = TestImages.encode(TestImages.gradient(java.awt.image.BufferedImage.TYPE_BYTE_GRAY, size, size), "jpeg");
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("empty:zero-bytes", new byte[0]);
    byte[] random = new byte[777];
    new Random(1).nextBytes(random);
    random[0] = 0x42;
    random[1] = 0x00;
    m.put("unknown-format:random-bytes", random);
    m.put("truncated:png", Arrays.copyOf(png, png.length / 2));
    m.put("truncated:jpeg", Arrays.copyOf(jpeg, jpeg.length * 2 / 3));
    byte[] crc = png.clone();
    crc[crc.length - 20] ^= 0x5A;
    m.put("corrupt:png-crc", crc);
    byte[] bomb = png.clone();
    ImageDecoderTestAccess.claimSize(bomb, 60_000, 60_000);
    m.put("too-many-pixels:png-bomb", bomb);
    m.put("unsupported-format:gif", "GIF89a\u0001\u0000\u0001\u0000\u0080\u0000\u0000".getBytes(StandardCharsets.ISO_8859_1));
    m.put("unsupported-format:tiff", new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0});
    m.put("unsupported-format:webp", "RIFF\u0000\u0000\u0000\u0000WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1));
    m.put("too-large:over-max-bytes", new byte[maxBytes + 1]);
    byte[] zeroWidth = png.clone();
    ImageDecoderTestAccess.claimSize(zeroWidth, 0, size);
    m.put("bad-dimensions:zero-width", zeroWidth);
    return m;
  }

  public static String reason(String name) {
    return name.substring(0, name.indexOf(':'));
  }
}
