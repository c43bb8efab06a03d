package io.caestream.image;

/**
 * Where the tiles of a frame start along one axis: every {@code tile - overlap} pixels from 0,
 * the last one moved back to end exactly at the frame's edge, so every pixel is covered and no
 * tile hangs over the edge. A side shorter than the tile gets one tile at 0 (its missing part is
 * filled by repeating the edge, and left out of the stitched map).
 */
public final class TileGrid {
  private TileGrid() {}

  public static int[] starts(int side, int tile, int overlap) {
    if (tile < 1 || overlap < 0 || overlap >= tile) {
      throw new IllegalArgumentException("need tile >= 1 and 0 <= overlap < tile, got " + tile + ", " + overlap);
    }
    if (side <= tile) {
      return new int[] {0};
    }
    int stride = tile - overlap;
    int n = (side - tile + stride - 1) / stride + 1;
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = Math.min(i * stride, side - tile);
    }
    return out;
  }

  /** Tiles of a {@code width x height} frame. */
  public static int count(int width, int height, int tileWidth, int tileHeight, int overlap) {
    return starts(width, tileWidth, overlap).length * starts(height, tileHeight, overlap).length;
  }

  /**
   * Copies the tile at (x0, y0) of a planar frame ({@code channels x fh x fw}) into {@code out}
   * ({@code channels x th x tw}); parts past the frame repeat its last row or column.
   */
  public static void copy(float[] frame, int fw, int fh, int channels, int x0, int y0, float[] out,
      int tw, int th) {
    for (int c = 0; c < channels; c++) {
      int src = c * fw * fh;
      int dst = c * tw * th;
      for (int y = 0; y < th; y++) {
        int sy = Math.min(y0 + y, fh - 1);
        int row = src + sy * fw;
        int n = Math.min(tw, fw - x0);
        System.arraycopy(frame, row + x0, out, dst + y * tw, n);
        if (n < tw) {
          java.util.Arrays.fill(out, dst + y * tw + n, dst + (y + 1) * tw, frame[row + fw - 1]);
        }
      }
    }
  }
}
