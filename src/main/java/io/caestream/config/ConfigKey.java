package io.caestream.config;

import java.util.Locale;

/**
 * One declared setting: name, type, default, validator and doc, declared once (Kafka's ConfigDef
 * style) so that parsing, validation, {@code --help-config} and masking all read the same table.
 */
public record ConfigKey(String name, Type type, String defaultValue, Validator validator,
    String doc, boolean secret) {

  /** Value types; each parses the raw string or says why it cannot. */
  public enum Type {
    STRING, INT, LONG, DOUBLE, BOOLEAN, OPTIONAL_DOUBLE, PATH;

    Object parse(String key, String raw) {
      String v = raw.trim();
      try {
        return switch (this) {
          case STRING, PATH -> v;
          case INT -> Integer.parseInt(v);
          case LONG -> Long.parseLong(v);
          case DOUBLE -> Double.parseDouble(v);
          case OPTIONAL_DOUBLE -> v.isEmpty() ? null : Double.parseDouble(v);
          case BOOLEAN -> {
            String b = v.toLowerCase(Locale.ROOT);
            if (!b.equals("true") && !b.equals("false")) {
              throw new ConfigException(key, "'" + raw + "' is not a boolean (true or false)");
            }
            yield Boolean.parseBoolean(b);
          }
        };
      } catch (NumberFormatException e) {
        throw new ConfigException(key, "'" + raw + "' is not " + article());
      }
    }

    private String article() {
      return switch (this) {
        case INT -> "an integer";
        case LONG -> "an integer";
        case DOUBLE, OPTIONAL_DOUBLE -> "a number";
        default -> "valid";
      };
    }
  }

  /** Checks a parsed value; throws {@link ConfigException} naming the key. */
  @FunctionalInterface
  public interface Validator {
    void check(String key, Object value);

    Validator ANY = (k, v) -> { };

    default String describe() {
      return "";
    }
  }

  public Object parse(String raw) {
    Object v = type.parse(name, raw);
    if (v != null) {
      validator.check(name, v);
    }
    return v;
  }
}
