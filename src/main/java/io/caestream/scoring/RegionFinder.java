package io.caestream.scoring;

/**
 * Finds the anomalous region: the 8-connected area around the worst pixel of the smoothed error
 * map whose pixels are above the pixel threshold, as a bounding box. When even the worst pixel
 * is below the threshold the region is that one pixel. Uses a caller-owned stack of pixel indices.
 */
public final class RegionFinder {
  private RegionFinder() {}

  public static Region find(float[] map, int width, int height, float pixelThreshold, int[] stack,
      boolean[] seen) {
    int n = width * height;
    int seed = ErrorMaps.argMax(map, n);
    int minX = seed % width;
    int maxX = minX;
    int minY = seed / width;
    int maxY = minY;
    int area = 1;
    if (map[seed] > pixelThreshold) {
      java.util.Arrays.fill(seen, 0, n, false);
      int top = 0;
      stack[top++] = seed;
      seen[seed] = true;
      area = 0;
      while (top > 0) {
        int p = stack[--top];
        area++;
        int px = p % width;
        int py = p / width;
        minX = Math.min(minX, px);
        maxX = Math.max(maxX, px);
        minY = Math.min(minY, py);
        maxY = Math.max(maxY, py);
        for (int dy = -1; dy <= 1; dy++) {
          int ny = py + dy;
          if (ny < 0 || ny >= height) {
            continue;
          }
          for (int dx = -1; dx <= 1; dx++) {
            int nx = px + dx;
            if (nx < 0 || nx >= width) {
              continue;
            }
            int q = ny * width + nx;
            if (!seen[q] && map[q] > pixelThreshold) {
              seen[q] = true;
              stack[top++] = q;
            }
          }
        }
      }
    }
    return new Region(minX, minY, maxX - minX + 1, maxY - minY + 1,
        Math.round(10_000.0 * area / n) / 100.0);
  }
}
