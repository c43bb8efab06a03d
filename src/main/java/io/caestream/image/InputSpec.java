package io.caestream.image;

/** The model's input layout: channels (1 grey, 3 RGB) x height x width, values in [0,1]. */
public record InputSpec(int channels, int height, int width) {
  public InputSpec {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException("bad input size " + height + "x" + width);
    }
  }

  /** Floats per image. */
  public int size() {
    return channels * height * width;
  }

  public int pixels() {
    return height * width;
  }
}
