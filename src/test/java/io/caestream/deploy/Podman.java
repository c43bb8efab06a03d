package io.caestream.deploy;

import static org.assertj.core.api.Assertions.fail;

import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * podman on the command line, as the build runs it: always with the runc runtime (crun refuses
 * this kind of machine's hybrid cgroups), the host network and explicit rlimits (they cannot be
 * raised here). Output goes to a file, so a chatty command cannot block on a full pipe.
 */
final class Podman {
  /** What every container and build gets: see the class comment. */
  static final List<String> LIMITS = List.of("--network=host", "--ulimit", "nofile=1024:1024",
      "--ulimit", "nproc=1024:1024");

  record Result(int code, String output) {}

  private final Path podman;
  private final Path work;

  private Podman(Path podman, Path work) {
    this.podman = podman;
    this.work = work;
  }

  /** Finds podman, runc and mmdebstrap, or skips (locally) / fails (CI) the test. */
  static Podman require(Path work) throws IOException {
    Path podman = ExternalTool.require("podman");
    ExternalTool.requireThat(ExternalTool.find("runc").isPresent() || Files.isExecutable(Path.of("/usr/sbin/runc")),
        "runc is not installed (see .ci/run)");
    ExternalTool.require("mmdebstrap");
    Files.createDirectories(work);
    return new Podman(podman, work);
  }

  /** Runs {@code podman --runtime runc ARGS}; fails the test past the timeout. */
  Result run(Duration timeout, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(podman.toString(), "--runtime", "runc"));
    cmd.addAll(List.of(args));
    return exec(timeout, cmd);
  }

  /** Runs it and fails the test unless it exits 0. */
  String ok(Duration timeout, String... args) throws IOException, InterruptedException {
    Result r = run(timeout, args);
    if (r.code() != 0) {
      fail("podman " + String.join(" ", args) + " exited " + r.code() + ":\n" + tail(r.output(), 60));
    }
    return r.output();
  }

  Result exec(Duration timeout, List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile(work, "cmd-", ".log");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        fail(String.join(" ", cmd) + " did not finish within " + timeout.toSeconds() + " s:\n"
            + tail(Files.readString(out, StandardCharsets.UTF_8), 40));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  boolean imageExists(String image) throws IOException, InterruptedException {
    return run(Duration.ofSeconds(60), "image", "exists", image).code() == 0;
  }

  static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }
}
