package io.caestream.cli;

import io.caestream.config.CaeConfig;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --workers} of the offline commands: caller threads that feed the batcher. */
final class WorkerOptions {
  @Option(names = "--workers", defaultValue = "4",
      description = "Threads feeding the batcher, as stream threads do (default ${DEFAULT-VALUE}).")
  int count;

  /**
   * The largest batch: what {@link #count} callers of one image each can form, and at least
   * {@value #TILE_BATCH}, as the tiles of one frame fill batches by themselves.
   */
  Map<String, String> batchLimit() {
    return Map.of(CaeConfig.MODEL_BATCH_MAX, Integer.toString(Math.max(TILE_BATCH, count)));
  }

  static final int TILE_BATCH = 16;
}
