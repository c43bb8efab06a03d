package io.caestream.image;

import static io.caestream.image.RejectReason.BAD_DIMENSIONS;
import static io.caestream.image.RejectReason.TRUNCATED;

/**
 * Width and height read from the first bytes of an image, without decoding it, so that the
 * pixel limit is enforced before a single pixel is allocated.
 */
public record ImageHeader(ImageFormat format, int width, int height) {

  public long pixels() {
    return (long) width * height;
  }

  public static ImageHeader read(ImageFormat format, byte[] b) throws ImageRejectedException {
    ImageHeader h = switch (format) {
      case PNG -> png(b);
      case JPEG -> jpeg(b);
      case BMP -> bmp(b);
      default -> throw new IllegalArgumentException("no header reader for " + format);
    };
    if (h.width <= 0 || h.height <= 0) {
      throw new ImageRejectedException(BAD_DIMENSIONS,
          format + " header gives a size of " + h.width + "x" + h.height);
    }
    return h;
  }

  private static ImageHeader png(byte[] b) throws ImageRejectedException {
    if (b.length < 8 + 8 + 13) {
      throw new ImageRejectedException(TRUNCATED, "PNG ends inside its header (" + b.length + " bytes)");
    }
    if (b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
      throw new ImageRejectedException(RejectReason.CORRUPT, "PNG does not start with an IHDR chunk");
    }
    return new ImageHeader(ImageFormat.PNG, int32(b, 16), int32(b, 20));
  }

  private static ImageHeader jpeg(byte[] b) throws ImageRejectedException {
    int i = 2;
    while (i + 3 < b.length) {
      if ((b[i] & 0xFF) != 0xFF) {
        throw new ImageRejectedException(RejectReason.CORRUPT, "JPEG marker expected at byte " + i);
      }
      int marker = b[i + 1] & 0xFF;
      if (marker == 0xFF) {
        i++;
        continue;
      }
      int len = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
      boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof) {
        if (i + 9 >= b.length) {
          break;
        }
        int h = ((b[i + 5] & 0xFF) << 8) | (b[i + 6] & 0xFF);
        int w = ((b[i + 7] & 0xFF) << 8) | (b[i + 8] & 0xFF);
        return new ImageHeader(ImageFormat.JPEG, w, h);
      }
      if (len < 2) {
        throw new ImageRejectedException(RejectReason.CORRUPT, "JPEG segment with length " + len);
      }
      i += 2 + len;
    }
    throw new ImageRejectedException(TRUNCATED, "JPEG ends before its frame header");
  }

  private static ImageHeader bmp(byte[] b) throws ImageRejectedException {
    if (b.length < 26) {
      throw new ImageRejectedException(TRUNCATED, "BMP ends inside its header (" + b.length + " bytes)");
    }
    int dib = le32(b, 14);
    if (dib == 12) {
      return new ImageHeader(ImageFormat.BMP, le16(b, 18), le16(b, 20));
    }
    // Negative height means top-down rows; the size is the same.
    return new ImageHeader(ImageFormat.BMP, le32(b, 18), Math.abs(le32(b, 22)));
  }

  static int int32(byte[] b, int o) {
    return ((b[o] & 0xFF) << 24) | ((b[o + 1] & 0xFF) << 16) | ((b[o + 2] & 0xFF) << 8) | (b[o + 3] & 0xFF);
  }

  private static int le32(byte[] b, int o) {
    return (b[o] & 0xFF) | ((b[o + 1] & 0xFF) << 8) | ((b[o + 2] & 0xFF) << 16) | ((b[o + 3] & 0xFF) << 24);
  }

  private static int le16(byte[] b, int o) {
    return (b[o] & 0xFF) | ((b[o + 1] & 0xFF) << 8);
  }
}
