package io.caestream.image;

/**
 * A decoded frame at its own size, planar ({@code channels x height x width} floats), reused from
 * image to image. Large frames are not kept: {@link #trim()} lets go of more than
 * {@value #RETAIN_FLOATS} floats, so one 16-megapixel frame does not pin 190 MB per thread for
 * the life of the process.
 */
public final class Frame {
  /** 4 Mi floats = 16 MiB: a 2-megapixel grey frame stays, larger ones are let go. */
  public static final int RETAIN_FLOATS = 4 << 20;

  private float[] pixels = new float[0];
  private int width;
  private int height;
  private int channels;

  void reset(int width, int height, int channels) {
    int n = Math.multiplyExact(Math.multiplyExact(width, height), channels);
    if (pixels.length < n) {
      pixels = new float[n];
    }
    this.width = width;
    this.height = height;
    this.channels = channels;
  }

  public float[] pixels() {
    return pixels;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public int channels() {
    return channels;
  }

  /** Drops the buffer if it grew past {@link #RETAIN_FLOATS}. */
  public void trim() {
    if (pixels.length > RETAIN_FLOATS) {
      pixels = new float[0];
    }
  }
}
