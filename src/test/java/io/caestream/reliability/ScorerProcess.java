package io.caestream.reliability;

import static org.assertj.core.api.Assertions.fail;

import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar target/cae-stream.jar serve --config FILE} as a separate process, as it runs in
 * production: stdout and stderr go to a log file, {@link #kill()} is {@code kill -9},
 * {@link #terminate()} is SIGTERM. The shaded jar is used because ONNX Runtime cannot start with a
 * long class path.
 */
final class ScorerProcess implements AutoCloseable {
  private static final Pattern HTTP_PORT = Pattern.compile("http on \\S+ port (\\d+)");
  private final Process process;
  private final Path log;
  private final long startedNanos = System.nanoTime();

  private ScorerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** The shaded jar; fails clearly when it has not been built. */
  static Path jar() {
    Path jar = ExternalTool.projectRoot().resolve("target/cae-stream.jar");
    if (!Files.isRegularFile(jar)) {
      fail(jar + " is missing: build it first (mvn -DskipTests package; ./mvnw verify builds it before"
          + " the integration tests)");
    }
    return jar;
  }

  /**
   * The config the process tests start from: the broker, a loopback HTTP port of its own, and a
   * short session, because a killed member holds its partitions until its session expires
   * (6 s is the broker's minimum).
   */
  static Map<String, String> config(String bootstrap, String applicationId, Path stateDir) {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("kafka.bootstrap.servers", bootstrap);
    config.put("application.id", applicationId);
    config.put("kafka.state.dir", stateDir.toString());
    config.put("kafka.session.timeout.ms", "6000");
    config.put("kafka.heartbeat.interval.ms", "1500");
    config.put("http.host", "127.0.0.1");
    config.put("http.port", "0");
    return config;
  }

  /** Writes {@code config} to {@code dir/name.properties} and starts serve with it. */
  static ScorerProcess start(Path dir, String name, Map<String, String> config, List<String> jvmOptions)
      throws IOException {
    Path file = dir.resolve(name + ".properties");
    Properties p = new Properties();
    p.putAll(config);
    try (var w = Files.newBufferedWriter(file)) {
      p.store(w, name);
    }
    Path log = dir.resolve(name + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", jar().toString(), "serve", "--config", file.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    // CAE_* variables of the test environment must not change the config under test.
    pb.environment().keySet().removeIf(k -> k.startsWith("CAE_"));
    return new ScorerProcess(pb.start(), log);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** kill -9: no shutdown hook, no commit, open transactions left dangling. */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      fail("scorer " + pid() + " survived kill -9");
    }
    return process.exitValue();
  }

  /** SIGTERM, as Kubernetes and systemd stop a process. */
  void terminate() {
    process.destroy();
  }

  /** Waits for exit; returns the exit code, or null past the timeout. */
  Integer waitFor(long millis) throws InterruptedException {
    return process.waitFor(millis, TimeUnit.MILLISECONDS) ? process.exitValue() : null;
  }

  long ageMillis() {
    return (System.nanoTime() - startedNanos) / 1_000_000;
  }

  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  String logTail(int lines) {
    List<String> all = log().lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /**
   * Live heap of the scorer: {@code jcmd PID GC.run} (a full collection) a few times, then the
   * smallest "used" of {@code GC.heap_info}. Needs the process to run with G1 (one heap line).
   */
  long heapUsedAfterGc() throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      fail(jcmd + " is missing: the tests need a full JDK");
    }
    long min = Long.MAX_VALUE;
    Pattern used = Pattern.compile("garbage-first heap\\s+total \\d+K, used (\\d+)K");
    for (int i = 0; i < 3; i++) {
      run(jcmd.toString(), Long.toString(pid()), "GC.run");
      Thread.sleep(200);
      String info = run(jcmd.toString(), Long.toString(pid()), "GC.heap_info");
      Matcher m = used.matcher(info);
      if (!m.find()) {
        fail("cannot read the heap from jcmd GC.heap_info:\n" + info);
      }
      min = Math.min(min, Long.parseLong(m.group(1)) * 1024);
    }
    return min;
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      fail(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /** The HTTP port serve reports once it has started, or -1 if it has not said yet. */
  int httpPort() {
    Matcher m = HTTP_PORT.matcher(log());
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** Waits until serve has started (reported its HTTP port); fails if it exits first. */
  int awaitStarted(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < deadline) {
      int port = httpPort();
      if (port > 0) {
        return port;
      }
      if (!process.isAlive()) {
        fail("scorer exited with " + process.exitValue() + " before starting:\n" + logTail(40));
      }
      Thread.sleep(100);
    }
    fail("scorer did not start within " + millis + " ms:\n" + logTail(40));
    return -1;
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
