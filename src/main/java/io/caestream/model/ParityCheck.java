package io.caestream.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * A model's parity file ({@code model.parity.json}, written by training/export: inputs and the
 * PyTorch reconstructions of them) run through the loaded session: a model whose ONNX Runtime
 * output differs by more than {@link #TOLERANCE} is not the model that was trained.
 */
public final class ParityCheck {
  public static final double TOLERANCE = 1e-4;

  private ParityCheck() {}

  /** @throws ModelLoadException naming the largest difference when the model fails the check */
  public static void verify(CaeModel model, byte[] parityJson) {
    double worst = worstDifference(model, parityJson);
    if (!(worst <= TOLERANCE)) {
      throw new ModelLoadException("fails its parity file: output differs from the exported one by up to "
          + worst + " (allowed " + TOLERANCE + ")");
    }
  }

  /** The largest |ONNX Runtime - exported| difference over the parity file's samples. */
  public static double worstDifference(CaeModel model, byte[] parityJson) {
    JsonNode json;
    try {
      json = new ObjectMapper().readTree(parityJson);
    } catch (IOException e) {
      throw new ModelLoadException("parity file is not JSON: " + e.getMessage(), e);
    }
    JsonNode inputs = json.get("inputs");
    JsonNode outputs = json.get("outputs");
    int size = model.inputSpec().size();
    if (inputs == null || outputs == null || inputs.size() == 0 || inputs.size() != outputs.size()) {
      throw new ModelLoadException("parity file needs as many inputs as outputs, at least one");
    }
    try (ModelRunner runner = model.newRunner(inputs.size())) {
      for (int i = 0; i < inputs.size(); i++) {
        if (inputs.get(i).size() != size || outputs.get(i).size() != size) {
          throw new ModelLoadException("parity sample " + i + " has not the model's " + size + " values");
        }
        for (int j = 0; j < size; j++) {
          runner.input().put(i * size + j, (float) inputs.get(i).get(j).asDouble());
        }
      }
      runner.run(inputs.size());
      double worst = 0;
      for (int i = 0; i < outputs.size(); i++) {
        for (int j = 0; j < size; j++) {
          worst = Math.max(worst, Math.abs(runner.output().get(i * size + j) - outputs.get(i).get(j).asDouble()));
        }
      }
      return worst;
    }
  }
}
