package io.caestream.image;

/** Colour to the model's channels: grey models get ITU-R BT.601 luma, RGB models get R,G,B planes. */
final class PixelConversion {
  private PixelConversion() {}

  static void store(float[] out, int index, int plane, int channels, float r, float g, float b) {
    if (channels == 1) {
      out[index] = r == g && g == b ? r : 0.299f * r + 0.587f * g + 0.114f * b;
    } else {
      out[index] = r;
      out[index + plane] = g;
      out[index + 2 * plane] = b;
    }
  }
}
