package io.caestream.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.internal.AbstractRecords;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;

/** What a dead letter keeps when it would not fit its topic, measured against Kafka's own estimate. */
class DeadLetterTest {
  private static final byte[] KEY = "line-3/cam-1".getBytes(StandardCharsets.UTF_8);
  private static final int LIMIT = 1_048_588; // Kafka's default max.message.bytes

  private static DeadLetter letter(byte[] key, byte[] value, Headers original) {
    return DeadLetter.of(key, value, original, "unknown-format", "no known image signature", "images", 2, 41, LIMIT);
  }

  private static String header(DeadLetter d, String key) {
    return DeadLetterHeaders.text(d.headers(), key);
  }

  /** Kafka's producer-side size of the record (what max.request.size is checked against; an internal API, used only to check ours). */
  private static int kafkaEstimate(DeadLetter d) {
    return AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE,
        d.key(), d.value(), d.headers().toArray());
  }

  @Test
  void aDeadLetterThatFitsKeepsKeyBytesAndHeaders() {
    RecordHeaders original = new RecordHeaders();
    original.add("image-id", "img-1".getBytes(StandardCharsets.UTF_8));
    byte[] value = new byte[LIMIT - 64 * 1024];
    DeadLetter d = letter(KEY, value, original);
    assertThat(d.key()).isEqualTo(KEY);
    assertThat(d.value()).isSameAs(value);
    assertThat(header(d, "image-id")).isEqualTo("img-1");
    assertThat(header(d, DeadLetterHeaders.REASON)).isEqualTo("unknown-format");
    assertThat(header(d, DeadLetterHeaders.VALUE_DROPPED)).isNull();
    assertThat(kafkaEstimate(d)).isLessThanOrEqualTo(LIMIT);
  }

  @Test
  void aTwoMegabyteImageIsDroppedAndItsSizeSaid() {
    DeadLetter d = letter(KEY, new byte[2 << 20], new RecordHeaders());
    assertThat(d.value()).isNull();
    assertThat(d.key()).isEqualTo(KEY);
    assertThat(header(d, DeadLetterHeaders.VALUE_DROPPED)).isEqualTo(Integer.toString(2 << 20));
    assertThat(header(d, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("41");
    assertThat(header(d, DeadLetterHeaders.HEADERS_DROPPED)).isNull();
  }

  /** The edge: the largest value kept and the smallest dropped are both within Kafka's limit. */
  @Test
  void theBudgetHoldsAtTheEdgeByKafkasOwnEstimate() {
    int lo = 0;
    int hi = LIMIT;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (letter(KEY, new byte[mid], new RecordHeaders()).value() != null) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    DeadLetter largestKept = letter(KEY, new byte[lo], new RecordHeaders());
    assertThat(kafkaEstimate(largestKept)).as("largest kept value %s", lo).isLessThanOrEqualTo(LIMIT);
    assertThat(lo).as("not wastefully small").isGreaterThan(LIMIT - 8 * 1024);
    assertThat(letter(KEY, new byte[lo + 1], new RecordHeaders()).value()).isNull();
  }

  @Test
  void headersAndThenTheKeyGoWhenEvenTheyDoNotFit() {
    RecordHeaders big = new RecordHeaders();
    big.add("camera-metadata", new byte[600_000]);
    big.add("more-metadata", new byte[600_000]);
    DeadLetter noHeaders = letter(KEY, new byte[10], big);
    assertThat(noHeaders.value()).isNull();
    assertThat(noHeaders.key()).isEqualTo(KEY);
    assertThat(noHeaders.headers().lastHeader("camera-metadata")).isNull();
    assertThat(header(noHeaders, DeadLetterHeaders.HEADERS_DROPPED)).isEqualTo("2");
    assertThat(header(noHeaders, DeadLetterHeaders.VALUE_DROPPED)).isEqualTo("10");
    assertThat(header(noHeaders, DeadLetterHeaders.REASON)).isEqualTo("unknown-format");

    DeadLetter noKey = letter(new byte[2 << 20], new byte[10], big);
    assertThat(noKey.key()).isNull();
    assertThat(header(noKey, DeadLetterHeaders.KEY_DROPPED)).isEqualTo(Integer.toString(2 << 20));
    assertThat(header(noKey, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("images");
    assertThat(kafkaEstimate(noKey)).isLessThanOrEqualTo(LIMIT);
  }

  @Test
  void aProducerRecordOfTheDeadLetterKeepsEveryField() {
    DeadLetter d = letter(KEY, new byte[] {1, 2}, new RecordHeaders());
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>("images-dlq", null, d.key(), d.value(), d.headers());
    assertThat(List.of(r.key(), r.value())).containsExactly(KEY, new byte[] {1, 2});
    assertThat(Map.of("reason", header(d, DeadLetterHeaders.REASON))).containsEntry("reason", "unknown-format");
  }
}
