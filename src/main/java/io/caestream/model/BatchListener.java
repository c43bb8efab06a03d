package io.caestream.model;

/** Told about every inference batch (for metrics), on the inference thread. */
@FunctionalInterface
public interface BatchListener {
  BatchListener NONE = (size, nanos) -> { };

  void batchDone(int size, long nanos);
}
