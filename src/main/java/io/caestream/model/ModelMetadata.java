package io.caestream.model;

import io.caestream.image.InputSpec;
import java.util.Map;

/**
 * What serving needs to know about a model, read from the ONNX metadata properties written by
 * {@code training/} ({@code cae.*} keys) plus the file's own digest as the version.
 */
public record ModelMetadata(String name, String version, String sha256, InputSpec input, String pixelScale,
    String architecture, String dataset, Map<String, String> properties) {

  static final String CHANNELS = "cae.input.channels";
  static final String HEIGHT = "cae.input.height";
  static final String WIDTH = "cae.input.width";

  static ModelMetadata from(Map<String, String> props, String fallbackName, String sha256) {
    for (String required : new String[] {CHANNELS, HEIGHT, WIDTH}) {
      if (!props.containsKey(required)) {
        throw new ModelLoadException("model metadata lacks '" + required
            + "': export it with training/train.py, which writes the cae.* properties");
      }
    }
    InputSpec spec;
    try {
      spec = new InputSpec(Integer.parseInt(props.get(CHANNELS)), Integer.parseInt(props.get(HEIGHT)),
          Integer.parseInt(props.get(WIDTH)));
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException("model metadata has a bad input shape: " + e.getMessage(), e);
    }
    return new ModelMetadata(props.getOrDefault("cae.model.name", fallbackName),
        sha256.substring(0, 12), sha256, spec, props.getOrDefault("cae.pixel.scale", "1/255"),
        props.getOrDefault("cae.architecture", "unknown"), props.getOrDefault("cae.dataset", "unknown"),
        Map.copyOf(props));
  }
}
