package io.caestream.model;

import java.util.Locale;

/** Where ONNX Runtime runs the model. */
public enum ExecutionProvider {
  CPU, CUDA, TENSORRT;

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ExecutionProvider of(String word) {
    return valueOf(word.trim().toUpperCase(Locale.ROOT));
  }
}
