package io.caestream.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
  private static final InputSpec GREY16 = new InputSpec(1, 16, 16);
  private final ImageDecoder decoder = new ImageDecoder(GREY16, ImageLimits.DEFAULT);

  private float[] decode(byte[] bytes) throws ImageRejectedException {
    float[] out = new float[GREY16.size()];
    decoder.decode(bytes, out);
    return out;
  }

  private static void assertGradient(float[] px, float tolerance) {
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        assertThat(px[y * 16 + x]).as("pixel %d,%d", x, y).isCloseTo(TestImages.expected(x, y), within(tolerance));
      }
    }
  }

  @Test
  void greyPngIsExact() throws Exception {
    assertGradient(decode(TestImages.greyPng(16, 16)), 1e-6f);
  }

  @Test
  void rgbAndRgbaPngBecomeGrey() throws Exception {
    assertGradient(decode(TestImages.encode(TestImages.gradient(BufferedImage.TYPE_INT_RGB, 16, 16), "png")), 1e-5f);
    assertGradient(decode(TestImages.encode(TestImages.gradient(BufferedImage.TYPE_INT_ARGB, 16, 16), "png")), 1e-5f);
  }

  @Test
  void sixteenBitGreyPng() throws Exception {
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_USHORT_GRAY);
    WritableRaster r = img.getRaster();
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        r.setSample(x, y, 0, (int) Math.round(TestImages.expected(x, y) * 65535));
      }
    }
    byte[] png = TestImages.encode(img, "png");
    assertThat(png[24]).as("bit depth in IHDR").isEqualTo((byte) 16);
    assertGradient(decode(png), 1e-4f);
  }

  @Test
  void palettePng() throws Exception {
    byte[] levels = new byte[256];
    for (int i = 0; i < 256; i++) {
      levels[i] = (byte) i;
    }
    // One coloured entry (unused by the gradient) keeps the writer from storing it as plain grey.
    byte[] red = levels.clone();
    red[255] = (byte) 255;
    byte[] green = levels.clone();
    green[255] = 0;
    IndexColorModel cm = new IndexColorModel(8, 256, red, green, levels);
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_INDEXED, cm);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        img.getRaster().setSample(x, y, 0, (x * 7 + y * 13) & 0xFF);
      }
    }
    byte[] png = TestImages.encode(img, "png");
    assertThat(png[25]).as("colour type 3 = palette").isEqualTo((byte) 3);
    assertGradient(decode(png), 1e-6f);
  }

  @Test
  void bmpAndJpeg() throws Exception {
    assertGradient(decode(TestImages.encode(TestImages.gradient(BufferedImage.TYPE_3BYTE_BGR, 16, 16), "bmp")), 1e-5f);
    // JPEG is lossy: close, not exact.
    float[] jpeg = decode(TestImages.encode(TestImages.gradient(BufferedImage.TYPE_BYTE_GRAY, 16, 16), "jpeg"));
    double err = 0;
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        err += Math.abs(jpeg[y * 16 + x] - TestImages.expected(x, y));
      }
    }
    assertThat(err / 256).isLessThan(0.08);
  }

  @Test
  void rgbModelGetsThreePlanes() throws Exception {
    ImageDecoder rgb = new ImageDecoder(new InputSpec(3, 2, 2), ImageLimits.DEFAULT);
    BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0xFF0000);
    img.setRGB(1, 0, 0x00FF00);
    img.setRGB(0, 1, 0x0000FF);
    img.setRGB(1, 1, 0xFFFFFF);
    float[] out = new float[12];
    rgb.decode(TestImages.encode(img, "png"), out);
    assertThat(out).containsExactly(1, 0, 0, 1, /* G */ 0, 1, 0, 1, /* B */ 0, 0, 1, 1);
  }

  @Test
  void resizesOtherSizesBilinearly() throws Exception {
    BufferedImage flat = new BufferedImage(40, 24, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 24; y++) {
      for (int x = 0; x < 40; x++) {
        flat.getRaster().setSample(x, y, 0, 100);
      }
    }
    float[] out = decode(TestImages.encode(flat, "png"));
    for (float v : out) {
      assertThat(v).isCloseTo(100 / 255f, within(1e-6f));
    }
  }

  @Test
  void everyLimitHasItsOwnReason() {
    ImageDecoder strict = new ImageDecoder(GREY16, new ImageLimits(65536, 1024, ImageFit.REJECT));
    byte[] png = TestImages.greyPng(16, 16);
    byte[] big = TestImages.greyPng(64, 64);
    byte[] bomb = png.clone();
    // Claim 100000 x 100000 in IHDR; fix the CRC so only the size is wrong.
    writeInt(bomb, 16, 100_000);
    writeInt(bomb, 20, 100_000);
    fixIhdrCrc(bomb);
    byte[] truncated = Arrays.copyOf(png, png.length - 20);
    byte[] corrupt = png.clone();
    corrupt[corrupt.length - 20] ^= 0x55;
    byte[] jpeg = TestImages.encode(TestImages.gradient(BufferedImage.TYPE_BYTE_GRAY, 16, 16), "jpeg");
    byte[] truncatedJpeg = Arrays.copyOf(jpeg, jpeg.length / 2);
    byte[] oversized = new byte[70000];
    System.arraycopy(png, 0, oversized, 0, png.length);

    Set<RejectReason> seen = new HashSet<>();
    seen.add(reject(strict, new byte[0], RejectReason.EMPTY));
    seen.add(reject(strict, null, RejectReason.EMPTY));
    seen.add(reject(strict, oversized, RejectReason.TOO_LARGE));
    seen.add(reject(strict, bomb, RejectReason.TOO_MANY_PIXELS));
    seen.add(reject(strict, big, RejectReason.TOO_MANY_PIXELS));
    seen.add(reject(new ImageDecoder(GREY16, new ImageLimits(1 << 20, 1 << 20, ImageFit.REJECT)), big, RejectReason.BAD_DIMENSIONS));
    seen.add(reject(strict, truncated, RejectReason.TRUNCATED));
    seen.add(reject(strict, truncatedJpeg, RejectReason.TRUNCATED));
    seen.add(reject(strict, corrupt, RejectReason.CORRUPT));
    seen.add(reject(strict, "GIF89a....".getBytes(), RejectReason.UNSUPPORTED_FORMAT));
    seen.add(reject(strict, new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0}, RejectReason.UNSUPPORTED_FORMAT));
    seen.add(reject(strict, "RIFF\0\0\0\0WEBPVP8 ".getBytes(), RejectReason.UNSUPPORTED_FORMAT));
    seen.add(reject(strict, "hello, world".getBytes(), RejectReason.UNKNOWN_FORMAT));
    assertThat(seen).hasSize(8);
  }

  @Test
  void zeroDimensionsAreBadDimensions() {
    byte[] png = TestImages.greyPng(16, 16);
    writeInt(png, 16, 0);
    fixIhdrCrc(png);
    reject(decoder, png, RejectReason.BAD_DIMENSIONS);
  }

  @Test
  void corruptZlibStreamIsCorrupt() {
    byte[] png = TestImages.greyPng(16, 16);
    // Overwrite the IDAT payload's first bytes (after the zlib header) and fix the chunk CRC.
    int idat = indexOf(png, "IDAT") - 4;
    int len = ((png[idat] & 0xFF) << 24) | ((png[idat + 1] & 0xFF) << 16) | ((png[idat + 2] & 0xFF) << 8) | (png[idat + 3] & 0xFF);
    for (int i = idat + 10; i < idat + 8 + len; i++) {
      png[i] = (byte) 0xFF;
    }
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(png, idat + 4, 4 + len);
    writeInt(png, idat + 8 + len, (int) crc.getValue());
    reject(decoder, png, RejectReason.CORRUPT);
  }

  private static RejectReason reject(ImageDecoder d, byte[] bytes, RejectReason expected) {
    assertThatThrownBy(() -> d.decode(bytes, new float[GREY16.size() * 16]))
        .isInstanceOf(ImageRejectedException.class)
        .satisfies(e -> assertThat(((ImageRejectedException) e).reason()).as(e.getMessage()).isEqualTo(expected));
    return expected;
  }

  private static int indexOf(byte[] b, String s) {
    outer:
    for (int i = 0; i + s.length() <= b.length; i++) {
      for (int j = 0; j < s.length(); j++) {
        if (b[i + j] != s.charAt(j)) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static void writeInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  static void fixIhdrCrc(byte[] png) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(png, 12, 17);
    writeInt(png, 29, (int) crc.getValue());
  }

  @Test
  void greyThroughImageIoKeepsItsValuesForGreyAndRgbModels() throws Exception {
    // A grey JPEG goes through ImageIO; an RGB model must see the same grey in all three planes.
    byte[] jpeg = TestImages.encode(TestImages.gradient(BufferedImage.TYPE_BYTE_GRAY, 16, 16), "jpeg");
    float[] grey = decode(jpeg);
    ImageDecoder rgb = new ImageDecoder(new InputSpec(3, 16, 16), ImageLimits.DEFAULT);
    float[] planes = new float[3 * 256];
    rgb.decode(jpeg, planes);
    for (int i = 0; i < 256; i++) {
      assertThat(planes[i]).as("R %d", i).isCloseTo(grey[i], within(1e-6f));
      assertThat(planes[512 + i]).as("B %d", i).isCloseTo(grey[i], within(1e-6f));
    }
  }
}
