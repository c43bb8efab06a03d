package io.caestream.observe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;

/**
 * The last few anomaly events with their images, for the live viewer; bounded in count and bytes.
 * Each item is {@code {"event":<score event>,"image":<base64 or null>,"heatmap":<base64 PNG or
 * null>,"width":W,"height":H}}: the event's regions are in the frame's pixels, W x H, so the
 * viewer can place them even when the image itself is too large to be kept.
 */
public final class RecentAnomalies {
  private static final int MAX_IMAGE_BYTES = 512 * 1024;
  private final int capacity;
  private final Deque<String> items = new ArrayDeque<>();

  public RecentAnomalies(int capacity) {
    this.capacity = capacity;
  }

  public synchronized void add(byte[] eventJson, byte[] image, int width, int height, byte[] heatmap) {
    items.addFirst("{\"event\":" + new String(eventJson, StandardCharsets.UTF_8) + ",\"image\":"
        + base64(image) + ",\"heatmap\":" + base64(heatmap) + ",\"width\":" + width + ",\"height\":"
        + height + "}");
    while (items.size() > capacity) {
      items.removeLast();
    }
  }

  private static String base64(byte[] bytes) {
    return bytes != null && bytes.length <= MAX_IMAGE_BYTES
        ? "\"" + Base64.getEncoder().encodeToString(bytes) + "\"" : "null";
  }

  public synchronized String json() {
    return "[" + String.join(",", items) + "]";
  }
}
