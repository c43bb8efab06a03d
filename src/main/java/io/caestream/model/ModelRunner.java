package io.caestream.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.caestream.image.InputSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Runs batches through one session with no copies on either side: input and output live in
 * direct native-order buffers that ONNX Runtime reads and writes in place (pinned outputs).
 * The tensors wrapping each batch size are made once and reused. One runner per thread.
 */
public final class ModelRunner implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String inputName;
  private final String outputName;
  private final InputSpec spec;
  private final FloatBuffer input;
  private final FloatBuffer output;
  private final OnnxTensor[] inputTensors;
  private final OnnxTensor[] outputTensors;

  ModelRunner(OrtEnvironment env, OrtSession session, String inputName, String outputName,
      InputSpec spec, int maxBatch) {
    this.env = env;
    this.session = session;
    this.inputName = inputName;
    this.outputName = outputName;
    this.spec = spec;
    this.input = direct(maxBatch * spec.size());
    this.output = direct(maxBatch * spec.size());
    this.inputTensors = new OnnxTensor[maxBatch + 1];
    this.outputTensors = new OnnxTensor[maxBatch + 1];
  }

  private static FloatBuffer direct(int floats) {
    return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  public int maxBatch() {
    return inputTensors.length - 1;
  }

  /** The input buffer: image i occupies floats [i*size, (i+1)*size). */
  public FloatBuffer input() {
    return input;
  }

  /** The output buffer, laid out like the input, valid after {@link #run(int)}. */
  public FloatBuffer output() {
    return output;
  }

  /** Reconstructs the first {@code n} images of the input buffer into the output buffer. */
  @SuppressWarnings("try") // the Result is opened only to be closed: the output is pinned.
  public void run(int n) {
    if (n < 1 || n > maxBatch()) {
      throw new IllegalArgumentException("batch of " + n + " outside 1.." + maxBatch());
    }
    try {
      if (inputTensors[n] == null) {
        long[] shape = {n, spec.channels(), spec.height(), spec.width()};
        inputTensors[n] = OnnxTensor.createTensor(env, input.slice(0, n * spec.size()), shape);
        outputTensors[n] = OnnxTensor.createTensor(env, output.slice(0, n * spec.size()), shape);
      }
      try (OrtSession.Result ignored = session.run(Map.of(inputName, inputTensors[n]),
          Map.of(outputName, outputTensors[n]))) {
        // The reconstruction is already in the output buffer.
      }
    } catch (OrtException e) {
      throw new ModelFailureException("ONNX Runtime failed on a batch of " + n + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < inputTensors.length; i++) {
      if (inputTensors[i] != null) {
        inputTensors[i].close();
        outputTensors[i].close();
        inputTensors[i] = null;
        outputTensors[i] = null;
      }
    }
  }
}
