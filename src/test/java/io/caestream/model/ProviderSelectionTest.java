package io.caestream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProviderSelectionTest {
  private final List<ExecutionProvider> tried = new ArrayList<>();

  private ProviderSelection.Installer failing(String why) {
    return p -> {
      tried.add(p);
      throw new UnsatisfiedLinkError(why);
    };
  }

  @Test
  void cpuNeedsNoInstall() {
    var c = ProviderSelection.choose(ExecutionProvider.CPU, false, failing("never called"));
    assertThat(c.provider()).isEqualTo(ExecutionProvider.CPU);
    assertThat(c.fellBack()).isFalse();
    assertThat(tried).isEmpty();
  }

  @Test
  void gpuThatLoadsIsUsed() {
    var c = ProviderSelection.choose(ExecutionProvider.CUDA, false, tried::add);
    assertThat(c.provider()).isEqualTo(ExecutionProvider.CUDA);
    assertThat(tried).containsExactly(ExecutionProvider.CUDA);
  }

  @Test
  void gpuThatFailsFallsBackToCpuAndSaysWhy() {
    var c = ProviderSelection.choose(ExecutionProvider.TENSORRT, true, failing("libnvinfer.so missing"));
    assertThat(c.provider()).isEqualTo(ExecutionProvider.CPU);
    assertThat(c.fallbackReason()).contains("tensorrt").contains("libnvinfer.so missing");
  }

  @Test
  void gpuThatFailsWithoutFallbackStopsStartUp() {
    assertThatThrownBy(() -> ProviderSelection.choose(ExecutionProvider.CUDA, false, failing("no CUDA device")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("cuda").hasMessageContaining("no CUDA device")
        .hasMessageContaining("model.provider.fallback=false");
  }

  @Test
  void realOnnxRuntimeCpuBuildFallsBackFromCuda() {
    // The CPU jar has no CUDA provider: this is the real fallback path on CPU-only machines.
    var c = ProviderSelection.choose(ExecutionProvider.CUDA, true, p -> {
      try (var so = new ai.onnxruntime.OrtSession.SessionOptions()) {
        so.addCUDA(0);
      }
    });
    assertThat(c.provider()).isEqualTo(ExecutionProvider.CPU);
    assertThat(c.fellBack()).isTrue();
  }
}
