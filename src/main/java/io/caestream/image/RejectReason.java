package io.caestream.image;

/**
 * Why an image cannot be scored (what is wrong with the record around it is the stream's own
 * {@code RecordProblem}). The word is the {@code cae.error.reason} header of the dead
 * letter and the {@code reason} label of {@code cae_rejected_images_total}; it is part of the
 * external contract, so words are only ever added, never renamed.
 */
public enum RejectReason {
  /** Zero bytes or a null record value. */
  EMPTY("empty"),
  /** More bytes than {@code image.max.bytes}. */
  TOO_LARGE("too-large"),
  /** Header claims more than {@code image.max.pixels}: a decompression bomb is refused unread. */
  TOO_MANY_PIXELS("too-many-pixels"),
  /** Zero width or height, or a size other than the model's while resizing is off. */
  BAD_DIMENSIONS("bad-dimensions"),
  /** A recognised format that cae-stream does not decode (GIF, TIFF, WebP, ...). */
  UNSUPPORTED_FORMAT("unsupported-format"),
  /** The bytes start with no known image signature. */
  UNKNOWN_FORMAT("unknown-format"),
  /** The file ends before the image data does. */
  TRUNCATED("truncated"),
  /** A checksum, compressed stream or header field is wrong. */
  CORRUPT("corrupt"),
  /** A decoder failed for any other reason. */
  UNDECODABLE("undecodable");


  private final String word;

  RejectReason(String word) {
    this.word = word;
  }

  public String word() {
    return word;
  }
}
