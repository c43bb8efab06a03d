package io.caestream.observe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;

/**
 * The last few anomaly events with their images, for the live viewer; bounded in count and bytes.
 * Each item is {@code {"event":<score event>,"image":<base64 or null>,"modelWidth":W,"modelHeight":H}}:
 * the event's region is in model-input pixels (the image resized to W x H), so the viewer needs
 * W and H to draw the box on an image of another size. They are 0 until {@link #modelInput} is called.
 */
public final class RecentAnomalies {
  private static final int MAX_IMAGE_BYTES = 512 * 1024;
  private final int capacity;
  private final Deque<String> items = new ArrayDeque<>();
  private volatile int modelWidth;
  private volatile int modelHeight;

  public RecentAnomalies(int capacity) {
    this.capacity = capacity;
  }

  /** The model's input size, which the events' regions are measured in. */
  public void modelInput(int width, int height) {
    this.modelWidth = width;
    this.modelHeight = height;
  }

  public synchronized void add(byte[] eventJson, byte[] image) {
    String img = image != null && image.length <= MAX_IMAGE_BYTES
        ? "\"" + Base64.getEncoder().encodeToString(image) + "\"" : "null";
    items.addFirst("{\"event\":" + new String(eventJson, StandardCharsets.UTF_8) + ",\"image\":" + img
        + ",\"modelWidth\":" + modelWidth + ",\"modelHeight\":" + modelHeight + "}");
    while (items.size() > capacity) {
      items.removeLast();
    }
  }

  public synchronized String json() {
    return "[" + String.join(",", items) + "]";
  }
}
