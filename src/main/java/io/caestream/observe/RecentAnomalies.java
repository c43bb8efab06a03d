package io.caestream.observe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;

/** The last few anomaly events with their images, for the live viewer; bounded in count and bytes. */
public final class RecentAnomalies {
  private static final int MAX_IMAGE_BYTES = 512 * 1024;
  private final int capacity;
  private final Deque<String> items = new ArrayDeque<>();

  public RecentAnomalies(int capacity) {
    this.capacity = capacity;
  }

  public synchronized void add(byte[] eventJson, byte[] image) {
    String img = image != null && image.length <= MAX_IMAGE_BYTES
        ? "\"" + Base64.getEncoder().encodeToString(image) + "\"" : "null";
    items.addFirst("{\"event\":" + new String(eventJson, StandardCharsets.UTF_8) + ",\"image\":" + img + "}");
    while (items.size() > capacity) {
      items.removeLast();
    }
  }

  public synchronized String json() {
    return "[" + String.join(",", items) + "]";
  }
}
