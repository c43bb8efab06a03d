package io.caestream.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds a command-line tool that CI installs (promtool, prometheus, python3 with torch, ...).
 * Outside CI a missing tool skips the test; with {@code CI=true} it fails it, so a broken
 * install step can never turn the build green by skipping.
 */
public final class ExternalTool {
  private ExternalTool() {}

  public static boolean inCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Returns the tool's path, or skips (locally) / fails (CI) the calling test. */
  public static Path require(String name) {
    Optional<Path> found = find(name);
    if (found.isPresent()) {
      return found.get();
    }
    String why = name + " is not installed (see .ci/run for the package that provides it)";
    if (inCi()) {
      fail(why);
    }
    Assumptions.abort(why);
    throw new AssertionError("unreachable");
  }

  /** Skips (locally) or fails (CI) unless the condition holds. */
  public static void requireThat(boolean condition, String why) {
    if (condition) {
      return;
    }
    if (inCi()) {
      fail(why);
    }
    Assumptions.abort(why);
  }

  public static Optional<Path> find(String name) {
    if (name.contains("/")) {
      Path p = Path.of(name);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(":")) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The project's root folder, where pom.xml lives. */
  public static Path projectRoot() {
    String env = System.getenv("CAESTREAM_SOURCE_ROOT");
    Path p = env != null ? Path.of(env) : Path.of("").toAbsolutePath();
    return p.toAbsolutePath();
  }
}
