package io.caestream.cli;

/** Small helpers for the tables printed to people. */
final class Tables {
  private Tables() {}

  static String shorten(String s, int width) {
    return s.length() <= width ? s : "..." + s.substring(s.length() - width + 3);
  }

  static String num(Double d, String format) {
    return d == null || d.isNaN() ? "n/a" : String.format(format, d);
  }
}
