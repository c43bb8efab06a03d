package io.caestream.image;

/** Lets tests in other packages forge PNG headers (for decompression-bomb cases). */
public final class ImageDecoderTestAccess {
  private ImageDecoderTestAccess() {}

  /** Rewrites the IHDR size of a PNG and fixes its CRC, so only the claimed size is wrong. */
  public static void claimSize(byte[] png, int width, int height) {
    ImageDecoderTest.writeInt(png, 16, width);
    ImageDecoderTest.writeInt(png, 20, height);
    ImageDecoderTest.fixIhdrCrc(png);
  }
}
