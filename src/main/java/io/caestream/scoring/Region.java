package io.caestream.scoring;

/**
 * A connected area of the anomaly map above the pixel threshold: its bounding box in the
 * frame's pixels, its share of the frame (percent, two decimals) and its peak map value.
 */
public record Region(int x, int y, int width, int height, double areaPct, double peak) {
  public Region(int x, int y, int width, int height, double areaPct) {
    this(x, y, width, height, areaPct, Double.NaN);
  }

  /** The box scaled from a map of {@code mw x mh} to a frame of {@code fw x fh} pixels. */
  public Region scaled(int mw, int mh, int fw, int fh) {
    if (mw == fw && mh == fh) {
      return this;
    }
    int x0 = (int) Math.floor(x * (double) fw / mw);
    int y0 = (int) Math.floor(y * (double) fh / mh);
    int x1 = (int) Math.ceil((x + width) * (double) fw / mw);
    int y1 = (int) Math.ceil((y + height) * (double) fh / mh);
    return new Region(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0), areaPct, peak);
  }
}
