package io.caestream.config;

/** A bad configuration value; its message is one line that names the key. Exit code 2. */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
