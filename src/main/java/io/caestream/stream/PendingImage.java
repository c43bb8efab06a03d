package io.caestream.stream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * An input record waiting in the scoring buffer, with where it was read from: everything its
 * results and its dead letter need, so that a record restored from the buffer's changelog after a
 * crash is scored exactly as it would have been before. {@link #toBytes} is the changelog's format
 * (version byte first, so a later layout can still read this one).
 *
 * @param key the record key, or null
 * @param value the record value, or null
 * @param offset the input offset, or -1 when unknown
 */
record PendingImage(byte[] key, byte[] value, Headers headers, long timestamp, String topic, int partition,
    long offset) {
  private static final byte VERSION = 1;
  /** Version, timestamp, partition, offset, topic length, key and value lengths, header count. */
  private static final int FIXED_BYTES = 1 + 8 + 4 + 8 + 2 + 4 + 4 + 4;

  static PendingImage of(Record<byte[], byte[]> record, String topic, int partition, long offset) {
    return new PendingImage(record.key(), record.value(), record.headers(), record.timestamp(), topic,
        partition, offset);
  }

  /** The record as it came in (headers included), to build its results from. */
  Record<byte[], byte[]> record() {
    return new Record<>(key, value, timestamp, headers);
  }

  /** The size of {@link #toBytes()}, without building it. */
  long sizeInBytes() {
    long size = FIXED_BYTES + utf8Length(topic) + length(key) + length(value);
    for (Header h : headers) {
      size += 2 + utf8Length(h.key()) + 4 + length(h.value());
    }
    return size;
  }

  byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE, sizeInBytes()));
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeLong(timestamp);
      out.writeInt(partition);
      out.writeLong(offset);
      out.writeUTF(topic);
      writeBytes(out, key);
      writeBytes(out, value);
      Header[] all = headers.toArray();
      out.writeInt(all.length);
      for (Header h : all) {
        out.writeUTF(h.key());
        writeBytes(out, h.value());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * @throws IllegalArgumentException the bytes are not a buffered record of a known version
   */
  static PendingImage fromBytes(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte version = in.readByte();
      if (version != VERSION) {
        throw new IllegalArgumentException("buffered record of unknown format version " + version);
      }
      long timestamp = in.readLong();
      int partition = in.readInt();
      long offset = in.readLong();
      String topic = in.readUTF();
      byte[] key = readBytes(in);
      byte[] value = readBytes(in);
      int count = in.readInt();
      RecordHeaders headers = new RecordHeaders();
      for (int i = 0; i < count; i++) {
        headers.add(in.readUTF(), readBytes(in));
      }
      return new PendingImage(key, value, headers, timestamp, topic, partition, offset);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated buffered record", e);
    }
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b == null ? -1 : b.length);
    if (b != null) {
      out.write(b);
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = in.readNBytes(n);
    if (b.length < n) {
      throw new IOException("expected " + n + " bytes, found " + b.length);
    }
    return b;
  }

  private static int length(byte[] b) {
    return b == null ? 0 : b.length;
  }

  private static int utf8Length(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }
}
