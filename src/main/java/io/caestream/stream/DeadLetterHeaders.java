package io.caestream.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Headers of a dead letter: the original headers, then why ({@code cae.error.reason}, a fixed
 * word, and {@code cae.error.message}) and where it came from (source topic/partition/offset).
 */
public final class DeadLetterHeaders {
  public static final String REASON = "cae.error.reason";
  public static final String MESSAGE = "cae.error.message";
  public static final String SOURCE_TOPIC = "cae.source.topic";
  public static final String SOURCE_PARTITION = "cae.source.partition";
  public static final String SOURCE_OFFSET = "cae.source.offset";
  /** Set (to the original size) when the image was too large to copy into the dead letter. */
  public static final String VALUE_DROPPED = "cae.error.value.dropped";
  /** Set (to their number) when even without the image the original headers did not fit. */
  public static final String HEADERS_DROPPED = "cae.error.headers.dropped";
  /** Set (to its size) when even the original key did not fit. */
  public static final String KEY_DROPPED = "cae.error.key.dropped";
  /** Messages are for people; a bounded length keeps a dead letter close to the original's size. */
  private static final int MAX_MESSAGE = 1000;

  private DeadLetterHeaders() {}

  public static Headers of(Headers original, String reason, String message, String topic,
      int partition, long offset) {
    Headers h = new RecordHeaders(original == null ? new org.apache.kafka.common.header.Header[0] : original.toArray());
    for (String k : new String[] {REASON, MESSAGE, SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET, VALUE_DROPPED,
        HEADERS_DROPPED, KEY_DROPPED}) {
      h.remove(k);
    }
    String msg = message == null ? "" : message;
    if (msg.length() > MAX_MESSAGE) {
      msg = msg.substring(0, MAX_MESSAGE) + "...";
    }
    h.add(REASON, utf8(reason));
    h.add(MESSAGE, utf8(msg));
    h.add(SOURCE_TOPIC, utf8(topic == null ? "" : topic));
    h.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
    h.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
    return h;
  }

  public static String text(Headers headers, String key) {
    var h = headers.lastHeader(key);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
