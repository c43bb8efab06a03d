package io.caestream.model;

/**
 * How to open a model: provider and its tuning. Built from the config by the caller, so this
 * package stays free of configuration plumbing.
 */
public record ModelOptions(ExecutionProvider provider, boolean fallback, int intraOpThreads,
    int cudaDevice, long cudaMemoryLimitBytes, String cudaArenaExtendStrategy,
    String cudnnConvAlgoSearch, boolean tensorrtFp16, String tensorrtEngineCacheDir) {

  public static ModelOptions cpu() {
    return new ModelOptions(ExecutionProvider.CPU, true, 0, 0, 0, "kSameAsRequested", "HEURISTIC",
        false, "");
  }

}
