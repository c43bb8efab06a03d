package io.caestream.model;

/**
 * The model failed to run (an ONNX Runtime error, not a bad image). The stream treats this as a
 * fault of the scorer, never of the record: it must not dead-letter healthy images one by one.
 */
public final class ModelFailureException extends RuntimeException {
  public ModelFailureException(String message, Throwable cause) {
    super(message, cause);
  }
}
