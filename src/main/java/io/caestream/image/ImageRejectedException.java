package io.caestream.image;

/** An image that cannot be scored, with the fixed reason word and a human message. */
public final class ImageRejectedException extends Exception {
  private final RejectReason reason;

  public ImageRejectedException(RejectReason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ImageRejectedException(RejectReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public RejectReason reason() {
    return reason;
  }
}
