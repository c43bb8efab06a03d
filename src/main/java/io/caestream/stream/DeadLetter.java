package io.caestream.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A dead letter that fits where it goes. Under exactly-once a record that the producer or the
 * broker refuses fails the stream thread and aborts the transaction, so one oversized dead
 * letter would be retried forever and stop the line. A dead letter therefore carries the original
 * bytes only while the whole record fits {@code maxRecordBytes} (the smaller of the producer's
 * {@code max.request.size} and the dead-letter topic's {@code max.message.bytes}); otherwise the
 * value is left out (header {@code cae.error.value.dropped} = its size), then, if still too big,
 * the original headers ({@code cae.error.headers.dropped} = how many), then the key
 * ({@code cae.error.key.dropped} = its size). The reason and source headers always stay.
 */
public record DeadLetter(byte[] key, byte[] value, Headers headers) {
  /** Record batch header (61 bytes) plus the largest per-record framing (varints, attributes). */
  private static final int FRAMING = 61 + 21 + 5 + 5 + 5;
  private static final int PER_HEADER = 5 + 5;

  /**
   * @param maxRecordBytes the largest record the producer and the topic both accept
   */
  public static DeadLetter of(byte[] key, byte[] value, Headers original, String reason, String message,
      String topic, int partition, long offset, int maxRecordBytes) {
    int budget = budget(maxRecordBytes);
    Headers headers = DeadLetterHeaders.of(original, reason, message, topic, partition, offset);
    if (sizeUpperBound(key, value, headers) <= budget) {
      return new DeadLetter(key, value, headers);
    }
    if (value != null) {
      headers.add(DeadLetterHeaders.VALUE_DROPPED, utf8(value.length));
    }
    if (sizeUpperBound(key, null, headers) <= budget) {
      return new DeadLetter(key, null, headers);
    }
    Headers own = DeadLetterHeaders.of(null, reason, message, topic, partition, offset);
    for (Header h : headers.headers(DeadLetterHeaders.VALUE_DROPPED)) {
      own.add(h);
    }
    own.add(DeadLetterHeaders.HEADERS_DROPPED, utf8(original == null ? 0 : original.toArray().length));
    if (sizeUpperBound(key, null, own) <= budget) {
      return new DeadLetter(key, null, own);
    }
    own.add(DeadLetterHeaders.KEY_DROPPED, utf8(key == null ? 0 : key.length));
    return new DeadLetter(null, null, own);
  }

  /**
   * What a record may use of the limit: room for a compressor that makes incompressible bytes
   * slightly larger (the broker checks the compressed batch) and for rounding in the estimate.
   */
  static int budget(int maxRecordBytes) {
    return Math.max(0, maxRecordBytes - 512 - maxRecordBytes / 256);
  }

  /** An upper bound of the record's size in a batch of its own (Kafka's record format v2). */
  static int sizeUpperBound(byte[] key, byte[] value, Headers headers) {
    long size = FRAMING + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    for (Header h : headers) {
      size += PER_HEADER + h.key().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length);
    }
    return (int) Math.min(Integer.MAX_VALUE, size);
  }

  private static byte[] utf8(int n) {
    return Integer.toString(n).getBytes(StandardCharsets.UTF_8);
  }
}
