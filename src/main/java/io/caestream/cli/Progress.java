package io.caestream.cli;

import java.io.PrintStream;

/** A live progress line on stderr, redrawn at most five times a second. */
final class Progress {
  private final String label;
  private final long total;
  private final PrintStream out = System.err;
  private final long start = System.nanoTime();
  private long lastDraw;

  Progress(String label, long total) {
    this.label = label;
    this.total = total;
  }

  synchronized void update(long done) {
    long now = System.nanoTime();
    if (now - lastDraw < 200_000_000L && done < total) {
      return;
    }
    lastDraw = now;
    double secs = (now - start) / 1e9;
    int width = 30;
    int filled = total > 0 ? (int) Math.min(width, done * width / total) : 0;
    out.printf("\r%s [%s%s] %d/%d %.0f/s", label, "#".repeat(filled), ".".repeat(width - filled),
        done, total, secs > 0 ? done / secs : 0.0);
    out.flush();
  }

  void finish() {
    out.printf("%n");
    out.flush();
  }
}
