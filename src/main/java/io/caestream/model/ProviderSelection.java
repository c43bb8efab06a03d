package io.caestream.model;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the execution provider: the requested one when it loads, otherwise CPU when fallback is
 * on (logged once, and visible as {@code provider} in {@code cae_model_info}), otherwise a clear
 * start-up error. Kept apart from ONNX Runtime so the decision is tested on machines without GPUs.
 */
public final class ProviderSelection {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderSelection.class);

  /** Adds a provider to the session options; throws when its libraries or device are missing. */
  @FunctionalInterface
  public interface Installer {
    void install(ExecutionProvider provider) throws Exception;
  }

  /** The outcome: which provider runs, and why it is not the one asked for (or null). */
  public record Choice(ExecutionProvider provider, String fallbackReason) {
    public boolean fellBack() {
      return fallbackReason != null;
    }
  }

  private ProviderSelection() {}

  public static Choice choose(ExecutionProvider requested, boolean fallback, Installer installer) {
    if (requested == ExecutionProvider.CPU) {
      return new Choice(ExecutionProvider.CPU, null);
    }
    try {
      installer.install(requested);
      return new Choice(requested, null);
    } catch (Exception | LinkageError e) {
      String why = requested.word() + " provider cannot load: " + e.getMessage();
      if (!fallback) {
        throw new ModelLoadException(why + " (model.provider.fallback=false)", e);
      }
      LOG.warn("{}; running on CPU instead (model.provider.fallback=true)", why);
      return new Choice(ExecutionProvider.CPU, why);
    }
  }
}
