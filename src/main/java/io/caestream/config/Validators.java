package io.caestream.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The validators the config table uses; each message names what is allowed. */
public final class Validators {
  private Validators() {}

  public static ConfigKey.Validator atLeast(double min) {
    return new Described((k, v) -> {
      if (((Number) v).doubleValue() < min) {
        throw new ConfigException(k, v + " is below the minimum " + fmt(min));
      }
    }, ">= " + fmt(min));
  }

  public static ConfigKey.Validator between(double min, double max) {
    return new Described((k, v) -> {
      double d = ((Number) v).doubleValue();
      if (d < min || d > max || Double.isNaN(d)) {
        throw new ConfigException(k, v + " is outside [" + fmt(min) + ", " + fmt(max) + "]");
      }
    }, "[" + fmt(min) + ", " + fmt(max) + "]");
  }

  public static ConfigKey.Validator positive() {
    return new Described((k, v) -> {
      double d = ((Number) v).doubleValue();
      if (!(d > 0) || Double.isInfinite(d)) {
        throw new ConfigException(k, v + " must be a positive number");
      }
    }, "> 0");
  }

  public static ConfigKey.Validator oneOf(String... allowed) {
    List<String> list = List.of(allowed);
    return new Described((k, v) -> {
      if (!list.contains(String.valueOf(v).toLowerCase(Locale.ROOT))) {
        throw new ConfigException(k, "'" + v + "' is not one of " + String.join(", ", list));
      }
    }, String.join(" | ", list));
  }

  public static ConfigKey.Validator nonEmpty() {
    return new Described((k, v) -> {
      if (String.valueOf(v).isBlank()) {
        throw new ConfigException(k, "must not be empty");
      }
    }, "non-empty");
  }

  /** A basic-auth user name: RFC 7617 splits at the first colon, and headers carry no controls. */
  public static ConfigKey.Validator basicAuthUser() {
    return new Described((k, v) -> {
      String s = String.valueOf(v);
      if (s.indexOf(':') >= 0 || s.chars().anyMatch(Character::isISOControl)) {
        throw new ConfigException(k, "must not contain ':' or control characters");
      }
    }, "no ':'");
  }

  /** Empty means "use the built-in default"; anything else must be a readable regular file. */
  public static ConfigKey.Validator readableFileOrEmpty() {
    return new Described((k, v) -> {
      String s = String.valueOf(v);
      if (s.isEmpty()) {
        return;
      }
      Path p = Path.of(s);
      if (!Files.exists(p)) {
        throw new ConfigException(k, "file " + s + " does not exist");
      }
      if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
        throw new ConfigException(k, "file " + s + " is not a readable file");
      }
    }, "readable file");
  }

  /** Empty means "not used"; anything else must be a readable folder. */
  public static ConfigKey.Validator directoryOrEmpty() {
    return new Described((k, v) -> {
      String s = String.valueOf(v);
      if (!s.isEmpty() && !(Files.isDirectory(Path.of(s)) && Files.isReadable(Path.of(s)))) {
        throw new ConfigException(k, s + " is not a readable folder");
      }
    }, "readable folder");
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  private record Described(ConfigKey.Validator inner, String text) implements ConfigKey.Validator {
    @Override
    public void check(String key, Object value) {
      inner.check(key, value);
    }

    @Override
    public String describe() {
      return text;
    }
  }
}
