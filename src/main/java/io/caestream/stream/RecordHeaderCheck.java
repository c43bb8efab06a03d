package io.caestream.stream;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Reads the optional {@code image-id} and {@code content-type} headers, refusing malformed ones. */
final class RecordHeaderCheck {
  static final String IMAGE_ID = "image-id";
  static final String CONTENT_TYPE = "content-type";
  static final int MAX_ID = 256;
  private static final int MAX_CONTENT_TYPE = 128;

  private RecordHeaderCheck() {}

  /** The image id from the header, or null when absent. */
  static String imageId(Headers headers) throws RecordRejectedException {
    String id = text(headers, IMAGE_ID, MAX_ID);
    if (id != null) {
      if (id.isBlank()) {
        throw bad("header image-id is blank");
      }
      for (int i = 0; i < id.length(); i++) {
        if (Character.isISOControl(id.charAt(i))) {
          throw bad("header image-id contains a control character");
        }
      }
    }
    text(headers, CONTENT_TYPE, MAX_CONTENT_TYPE);
    return id;
  }

  private static String text(Headers headers, String key, int max) throws RecordRejectedException {
    Header last = null;
    int count = 0;
    for (Header h : headers.headers(key)) {
      last = h;
      count++;
    }
    if (last == null) {
      return null;
    }
    if (count > 1) {
      throw bad("header " + key + " appears " + count + " times");
    }
    if (last.value() == null) {
      throw bad("header " + key + " has no value");
    }
    if (last.value().length > max * 4) {
      throw bad("header " + key + " is " + last.value().length + " bytes long");
    }
    try {
      String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(last.value())).toString();
      if (s.length() > max) {
        throw bad("header " + key + " is longer than " + max + " characters");
      }
      return s;
    } catch (CharacterCodingException e) {
      throw bad("header " + key + " is not valid UTF-8");
    }
  }

  private static RecordRejectedException bad(String message) {
    return new RecordRejectedException(RecordProblem.BAD_HEADER, message);
  }
}
