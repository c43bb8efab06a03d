package io.caestream.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.slf4j.event.Level;

/**
 * Where log lines go and how they look: stderr, as text ({@code 2025-...Z [WARN] Name - msg})
 * or, with {@code log.format=json}, one JSON object per line with {@code time}, {@code level},
 * {@code logger}, {@code thread}, {@code message} and, when there is one, the whole
 * {@code exception} (stack trace included) as one string field, which is what log collectors on
 * Kubernetes want. The format can change while running (the config is read after the first
 * loggers exist); it starts from env {@code CAE_LOG_FORMAT} or {@code -Dcae.log.format}.
 *
 * <p>Levels: {@code level} and {@code level.<logger prefix>} in {@code /cae-logging.properties},
 * overridden by system properties {@code cae.log.level} and {@code cae.log.level.<prefix>}; the
 * longest matching prefix wins.
 */
public final class LogOutput {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
  private static final String PROPERTY = "cae.log.level";
  private static final Map<String, Integer> LEVELS = levels();
  private static final int DEFAULT_LEVEL = LEVELS.getOrDefault("", Level.WARN.toInt());
  private static volatile boolean json = "json".equalsIgnoreCase(initialFormat());

  private LogOutput() {}

  /** Switches the format of every logger: {@code text} or {@code json} (validated by the config). */
  public static void useFormat(String format) {
    json = "json".equalsIgnoreCase(format);
  }

  /** The threshold of a logger: messages below it are dropped ({@code off} = above ERROR). */
  static int threshold(String logger) {
    String name = logger;
    while (true) {
      Integer l = LEVELS.get(name);
      if (l != null) {
        return l;
      }
      int dot = name.lastIndexOf('.');
      if (dot < 0) {
        return DEFAULT_LEVEL;
      }
      name = name.substring(0, dot);
    }
  }

  /**
   * A line a command prints for its operator whatever the log level ("serving ...", "stopped
   * cleanly"): as it is in text, as a log object in JSON, so that a JSON stream stays pure.
   */
  public static void status(Level level, String logger, String message) {
    if (json) {
      write(level, logger, message, null);
    } else {
      System.err.println(message);
      System.err.flush();
    }
  }

  static void write(Level level, String logger, String message, Throwable error) {
    // Read on every line: tests and the demo replace System.err.
    PrintStream err = System.err;
    String thread = Thread.currentThread().getName();
    String time = TIME.format(Instant.now());
    StringBuilder line = new StringBuilder(128);
    if (json) {
      line.append("{\"time\":");
      quote(line, time).append(",\"level\":");
      quote(line, level.name()).append(",\"logger\":");
      quote(line, logger).append(",\"thread\":");
      quote(line, thread).append(",\"message\":");
      quote(line, message == null ? "" : message);
      if (error != null) {
        quote(line.append(",\"exception\":"), stackTrace(error));
      }
      line.append("}\n");
    } else {
      line.append(time).append(" [").append(level.name()).append("] ")
          .append(logger.substring(logger.lastIndexOf('.') + 1)).append(" - ").append(message).append('\n');
      if (error != null) {
        line.append(stackTrace(error));
      }
    }
    // One print per line, so lines from different threads never interleave.
    err.print(line);
    err.flush();
  }

  private static String stackTrace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  /** Appends {@code s} as a JSON string (RFC 8259: quote, backslash and controls escaped). */
  static StringBuilder quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"');
  }

  private static String initialFormat() {
    String p = System.getProperty("cae.log.format");
    return p != null ? p : System.getenv().getOrDefault(CaeConfig.ENV_PREFIX + "LOG_FORMAT", "text");
  }

  /** Logger prefix ("" = the default) -> level as slf4j's int, or Integer.MAX_VALUE for off. */
  private static Map<String, Integer> levels() {
    Map<String, Integer> out = new TreeMap<>();
    Properties p = new Properties();
    try (InputStream in = LogOutput.class.getResourceAsStream("/cae-logging.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // No file: the defaults below.
    }
    p.stringPropertyNames().forEach(k -> put(out, k.equals("level") ? "" : k.startsWith("level.")
        ? k.substring("level.".length()) : null, p.getProperty(k)));
    System.getProperties().stringPropertyNames().forEach(k -> put(out, k.equals(PROPERTY) ? ""
        : k.startsWith(PROPERTY + ".") ? k.substring(PROPERTY.length() + 1) : null, System.getProperty(k)));
    return out;
  }

  private static void put(Map<String, Integer> out, String prefix, String value) {
    if (prefix == null || value == null) {
      return;
    }
    String v = value.strip().toUpperCase(Locale.ROOT);
    if (v.equals("OFF")) {
      out.put(prefix, Integer.MAX_VALUE);
      return;
    }
    for (Level l : Level.values()) {
      if (l.name().equals(v)) {
        out.put(prefix, l.toInt());
      }
    }
  }
}
