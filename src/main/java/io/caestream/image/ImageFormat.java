package io.caestream.image;

/** Formats recognised by their magic bytes; only some of them are decoded. */
public enum ImageFormat {
  PNG(true), JPEG(true), BMP(true), GIF(false), TIFF(false), WEBP(false), UNKNOWN(false);

  private final boolean supported;

  ImageFormat(boolean supported) {
    this.supported = supported;
  }

  public boolean supported() {
    return supported;
  }

  /** The format from the first bytes; never trusts a file name or content-type. */
  public static ImageFormat sniff(byte[] b) {
    if (startsWith(b, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return PNG;
    }
    if (startsWith(b, 0xFF, 0xD8, 0xFF)) {
      return JPEG;
    }
    if (startsWith(b, 'B', 'M')) {
      return BMP;
    }
    if (startsWith(b, 'G', 'I', 'F', '8')) {
      return GIF;
    }
    if (startsWith(b, 'I', 'I', 0x2A, 0x00) || startsWith(b, 'M', 'M', 0x00, 0x2A)) {
      return TIFF;
    }
    if (b.length >= 12 && startsWith(b, 'R', 'I', 'F', 'F') && b[8] == 'W' && b[9] == 'E'
        && b[10] == 'B' && b[11] == 'P') {
      return WEBP;
    }
    return UNKNOWN;
  }

  private static boolean startsWith(byte[] b, int... magic) {
    if (b.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((b[i] & 0xFF) != magic[i]) {
        return false;
      }
    }
    return true;
  }
}
