package io.caestream.stream;

/**
 * What can be wrong with a record apart from its image: the key, the headers, no model for its
 * source. The words are dead-letter reasons ({@code cae.error.reason}) next to the image's own
 * ({@link io.caestream.image.RejectReason}) and, like them, part of the contract: only added,
 * never renamed.
 */
public enum RecordProblem {
  /** The record has no key (source id). */
  MISSING_KEY("missing-key"),
  /** The record key (source id) is too long to put into a score event that fits its topic. */
  BAD_KEY("bad-key"),
  /** A record header (image-id, content-type) is malformed. */
  BAD_HEADER("bad-header"),
  /** No rule of {@code model.routes} matches the record's source. */
  NO_MODEL("no-model"),
  /** An unexpected exception while processing this one record (a bug), not a model failure. */
  INTERNAL_ERROR("internal-error");

  private final String word;

  RecordProblem(String word) {
    this.word = word;
  }

  public String word() {
    return word;
  }
}
