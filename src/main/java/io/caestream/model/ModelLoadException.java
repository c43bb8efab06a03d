package io.caestream.model;

/** A model that cannot be served: missing, not ONNX, wrong shapes, missing metadata, no provider. */
public final class ModelLoadException extends RuntimeException {
  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
