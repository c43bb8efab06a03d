package io.caestream.scoring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Finds the anomalous regions of an anomaly map: the 8-connected areas of pixels above the pixel
 * threshold, as bounding boxes, worst (highest peak) first. When even the worst pixel is below
 * the threshold the one region is that pixel, so an anomalous image always says where to look.
 * Pixels at {@code -Infinity} (outside the region of interest) belong to no region. Uses
 * caller-owned scratch: a stack of pixel indices and a visited mark per pixel.
 */
public final class RegionFinder {
  private RegionFinder() {}

  /** The worst region only. */
  public static Region find(float[] map, int width, int height, float pixelThreshold, int[] stack,
      boolean[] seen) {
    return findAll(map, width, height, pixelThreshold, 1, stack, seen).get(0);
  }

  /** Up to {@code max} regions, worst first; never empty. */
  public static List<Region> findAll(float[] map, int width, int height, float pixelThreshold,
      int max, int[] stack, boolean[] seen) {
    int n = width * height;
    int worst = ErrorMaps.argMax(map, n);
    if (!(map[worst] > pixelThreshold)) {
      return List.of(new Region(worst % width, worst / width, 1, 1,
          Math.round(10_000.0 / n) / 100.0, map[worst]));
    }
    Arrays.fill(seen, 0, n, false);
    List<Region> found = new ArrayList<>();
    for (int seed = 0; seed < n; seed++) {
      if (seen[seed] || !(map[seed] > pixelThreshold)) {
        continue;
      }
      found.add(grow(map, width, height, pixelThreshold, seed, stack, seen));
    }
    found.sort(Comparator.comparingDouble(Region::peak).reversed());
    return List.copyOf(found.subList(0, Math.min(max, found.size())));
  }

  private static Region grow(float[] map, int width, int height, float t, int seed, int[] stack,
      boolean[] seen) {
    int minX = seed % width;
    int maxX = minX;
    int minY = seed / width;
    int maxY = minY;
    int area = 0;
    float peak = map[seed];
    int top = 0;
    stack[top++] = seed;
    seen[seed] = true;
    while (top > 0) {
      int p = stack[--top];
      area++;
      peak = Math.max(peak, map[p]);
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
          if (!seen[q] && map[q] > t) {
            seen[q] = true;
            stack[top++] = q;
          }
        }
      }
    }
    return new Region(minX, minY, maxX - minX + 1, maxY - minY + 1,
        Math.round(10_000.0 * area / (width * (double) height)) / 100.0, peak);
  }
}
