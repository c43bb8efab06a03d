package io.caestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.embedded.EmbeddedKafka;
import io.caestream.stream.Topics;
import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The container images built and run for real, with podman (no daemon). No registry is reachable
 * in CI, so the base is made from Debian packages: {@code mmdebstrap} writes a bookworm root
 * filesystem with {@code openjdk-17-jre-headless} and {@code podman import} turns it into an
 * image (kept between runs under its tag: about a minute the first time).
 *
 * <ul>
 *   <li>The CPU image ({@code deploy/docker/Dockerfile} with {@code BASE_IMAGE} = that base) runs
 *       as users run it: read-only root, only {@code /tmp} writable, uid 10001, every setting from
 *       {@code CAE_*} variables, against a real broker on the host network. It must become ready,
 *       score a produced image, log JSON lines, write nothing outside /tmp, and exit 0 on SIGTERM
 *       within {@code shutdown.timeout.ms}.</li>
 *   <li>The CUDA image ({@code Dockerfile.cuda}) is built in full, every stage and instruction, on
 *       stand-in bases (the same Debian JRE, shaped like Temurin) with a stand-in jar: it must
 *       refuse a jar without the CUDA provider, and its result must run as 10001 with the native
 *       libraries and provider in place. CUDA itself and the real 450 MB -Pcuda jar are not here.</li>
 * </ul>
 */
class ContainerImageIntegrationTest {
  static final String BASE = "localhost/cae-stream-test-base:jre17-bookworm";
  static final String STAND_IN = "localhost/cae-stream-test-standin:jre17-bookworm";
  static final String CPU_IMAGE = "localhost/cae-stream-test:ci";
  static final String CUDA_IMAGE = "localhost/cae-stream-cuda-test:ci";
  static final long SHUTDOWN_TIMEOUT_MS = 15_000;
  /** Marks what this test builds, so that it removes its own leftovers only. */
  static final String TEST_LABEL = "io.caestream.test=container-image";
  static final Path ROOT = ExternalTool.projectRoot();
  static final Path WORK = ROOT.resolve("target/container");

  private static Podman podman;
  private static final Map<String, Object> FIGURES = new LinkedHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void base() throws Exception {
    podman = Podman.require(WORK);
    ExternalTool.requireThat("root".equals(System.getProperty("user.name")),
        "mmdebstrap and podman run as root here (CI runs .ci/run as root)");
    long t0 = System.nanoTime();
    if (podman.imageExists(BASE)) {
      FIGURES.put("baseImage", "cached");
    } else {
      Path rootfs = WORK.resolve("rootfs.tar");
      List<String> debootstrap = List.of(ExternalTool.require("mmdebstrap").toString(), "--variant=apt",
          "--include=openjdk-17-jre-headless,ca-certificates", "bookworm", rootfs.toString());
      Podman.Result r = podman.exec(Duration.ofMinutes(10), debootstrap);
      if (r.code() != 0) {
        fail("mmdebstrap failed (" + r.code() + "):\n" + Podman.tail(r.output(), 40));
      }
      podman.ok(Duration.ofMinutes(5), "import", rootfs.toString(), BASE);
      Files.deleteIfExists(rootfs);
      FIGURES.put("baseImage", "built");
    }
    FIGURES.put("baseSeconds", seconds(t0));
  }

  @AfterAll
  static void report() throws IOException, InterruptedException {
    if (podman == null) {
      return;
    }
    for (String image : List.of(CPU_IMAGE, CUDA_IMAGE)) {
      podman.run(Duration.ofMinutes(1), "rmi", "-f", image);
    }
    // The untagged stage images of this test's builds, and nobody else's.
    podman.run(Duration.ofMinutes(2), "image", "prune", "-f", "--filter", "label=" + TEST_LABEL);
    String json = new ObjectMapper().writeValueAsString(FIGURES);
    System.out.println("CONTAINER-IMAGE-FIGURES " + json);
    Files.writeString(WORK.resolve("figures.json"), json + "\n");
  }

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void theCpuImageRunsReadOnlyAsUser10001FromEnvironmentConfigAndStopsCleanly() throws Exception {
    Path jar = ROOT.resolve("target/cae-stream.jar");
    assertThat(jar).as("the shaded jar (./mvnw verify builds it before the integration tests)").isRegularFile();
    long t0 = System.nanoTime();
    podman.ok(Duration.ofMinutes(5), build(CPU_IMAGE, ROOT.resolve("deploy/docker/Dockerfile"), ROOT,
        "--build-arg", "BASE_IMAGE=" + BASE));
    FIGURES.put("cpuBuildSeconds", seconds(t0));
    assertThat(podman.ok(Duration.ofSeconds(30), "image", "inspect", CPU_IMAGE, "--format", "{{.Config.User}}").strip())
        .as("the image's own user, for runs without --user").isEqualTo("10001:10001");

    try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of())) {
      Topics topics = new Topics("images", "image-scores", "anomalies", "images-dlq");
      kafka.createTopics(topics.all(), 1);
      int port = freePort();
      String name = "cae-stream-it-" + ProcessHandle.current().pid();
      List<String> runArgs = new ArrayList<>(List.of("run", "-d", "--name", name));
      runArgs.addAll(Podman.LIMITS);
      // Only /tmp is writable: no root filesystem, and not the /run and /var/tmp podman adds.
      runArgs.addAll(List.of("--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp", "--user", "10001"));
      Map<String, String> env = new LinkedHashMap<>();
      env.put("CAE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
      env.put("CAE_HTTP_HOST", "127.0.0.1");
      env.put("CAE_HTTP_PORT", Integer.toString(port));
      env.put("CAE_APPLICATION_ID", "container-it");
      env.put("CAE_SHUTDOWN_TIMEOUT_MS", Long.toString(SHUTDOWN_TIMEOUT_MS));
      env.put("CAE_LOG_FORMAT", "json");
      env.forEach((k, v) -> runArgs.addAll(List.of("-e", k + "=" + v)));
      runArgs.add(CPU_IMAGE);
      try {
        long start = System.nanoTime();
        podman.ok(Duration.ofMinutes(1), runArgs.toArray(String[]::new));
        awaitReady(name, port);
        FIGURES.put("readySeconds", seconds(start));

        byte[] png = new SyntheticSurfaces(64, 21, List.of(SyntheticSurfaces.Surface.values())).normal(3).image().toPng();
        produce(kafka, topics.input(), "container-1", png);
        JsonNode event = awaitScoreEvent(kafka, topics.scores(), "container-1");
        assertThat(event.path("source").asText()).isEqualTo("line-7/cam-2");
        assertThat(event.path("model").path("provider").asText()).isEqualTo("cpu");
        FIGURES.put("scoredSeconds", seconds(start));

        String status = podman.ok(Duration.ofSeconds(30), "exec", name, "cat", "/proc/1/status");
        assertThat(status).containsPattern("(?m)^Uid:\\s+10001\\s+10001\\s+10001\\s+10001$")
            .containsPattern("(?m)^Gid:\\s+10001\\s+10001\\s+10001\\s+10001$");
        assertThat(podman.ok(Duration.ofSeconds(30), "exec", name, "cat", "/proc/1/cmdline"))
            .as("the scorer is the container's process 1").contains("java").contains("serve");
        checkWritesOnlyUnderTmp(name);

        long term = System.nanoTime();
        podman.ok(Duration.ofSeconds(30), "kill", "--signal", "TERM", name);
        String code = podman.ok(Duration.ofMillis(SHUTDOWN_TIMEOUT_MS + 30_000), "wait", name).strip();
        long stopMs = (System.nanoTime() - term) / 1_000_000;
        FIGURES.put("sigtermExitMs", stopMs);
        String logs = podman.ok(Duration.ofSeconds(30), "logs", name);
        assertThat(code).as("exit code after SIGTERM; logs:\n%s", Podman.tail(logs, 30)).isEqualTo("0");
        assertThat(stopMs).as("exit within shutdown.timeout.ms").isLessThan(SHUTDOWN_TIMEOUT_MS);
        checkLogsAreJsonLines(logs);
        assertThat(podman.ok(Duration.ofSeconds(30), "inspect", name, "--format", "{{.HostConfig.ReadonlyRootfs}}").strip())
            .isEqualTo("true");
      } finally {
        podman.run(Duration.ofMinutes(1), "rm", "-f", name);
      }
    }
  }

  /**
   * The process's open files: every one it may write is on /tmp, or a socket, pipe, event fd or
   * device. The root filesystem is read-only, so this also shows the scorer needed nothing else.
   */
  private void checkWritesOnlyUnderTmp(String name) throws Exception {
    String script = "for fd in /proc/1/fd/*; do n=${fd##*/}; "
        + "echo \"$(sed -n 's/^flags:[[:space:]]*//p' /proc/1/fdinfo/$n) $(readlink $fd)\"; done";
    String listing = podman.ok(Duration.ofSeconds(30), "exec", name, "sh", "-c", script);
    List<String> writable = new ArrayList<>();
    for (String line : listing.lines().filter(l -> !l.isBlank()).toList()) {
      String[] parts = line.strip().split(" ", 2);
      int flags = Integer.parseInt(parts[0], 8);
      if ((flags & 3) != 0) {
        writable.add(parts.length > 1 ? parts[1] : "?");
      }
    }
    assertThat(writable).as("files open for writing").isNotEmpty()
        .allSatisfy(t -> assertThat(t).matches("/tmp/.*|/dev/.*|socket:.*|pipe:.*|anon_inode:.*"));
    String tmp = podman.ok(Duration.ofSeconds(30), "exec", name, "ls", "/tmp");
    assertThat(tmp).as("ONNX Runtime extracted its libraries to /tmp").contains("onnxruntime-java");
    for (String elsewhere : List.of("/opt/cae-stream/x", "/var/lib/cae-stream/state/x", "/var/tmp/x", "/run/x", "/x")) {
      assertThat(podman.run(Duration.ofSeconds(30), "exec", name, "touch", elsewhere).code())
          .as("%s is not writable", elsewhere).isNotZero();
    }
  }

  /**
   * log.format=json from CAE_LOG_FORMAT: every line is one JSON object, except the JVM's own
   * "Picked up JAVA_TOOL_OPTIONS" and ONNX Runtime's native warnings, which no Java logger sees.
   */
  private static void checkLogsAreJsonLines(String logs) throws Exception {
    ObjectMapper json = new ObjectMapper();
    int objects = 0;
    for (String line : logs.lines().filter(l -> !l.isBlank()).toList()) {
      if (line.startsWith("Picked up JAVA_TOOL_OPTIONS") || line.contains(":onnxruntime:")) {
        continue;
      }
      JsonNode n;
      try {
        n = json.readTree(line);
      } catch (IOException e) {
        throw new AssertionError("a log line that is not JSON: " + line, e);
      }
      for (String field : List.of("time", "level", "logger", "thread", "message")) {
        assertThat(n.has(field)).as("%s in %s", field, line).isTrue();
      }
      objects++;
    }
    assertThat(objects).as("JSON log lines").isGreaterThanOrEqualTo(3);
    assertThat(logs).contains("stopped cleanly");
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void theCudaDockerfileBuildsOnStandInBasesAndRefusesACpuJar() throws Exception {
    long t0 = System.nanoTime();
    if (!podman.imageExists(STAND_IN)) {
      // The Debian JRE shaped like the Temurin images: Java under /opt/java/openjdk, and a `jar`
      // (the JRE has the jdk.jartool module, not its launcher).
      Path dir = Files.createDirectories(WORK.resolve("standin"));
      Files.writeString(dir.resolve("Containerfile"), "FROM " + BASE + "\n"
          + "RUN mkdir -p /opt/java && cp -a /usr/lib/jvm/java-17-openjdk-amd64 /opt/java/openjdk \\\n"
          + " && printf '#!/bin/sh\\nexec java -m jdk.jartool/sun.tools.jar.Main \"$@\"\\n' > /usr/local/bin/jar \\\n"
          + " && chmod 755 /usr/local/bin/jar\n");
      podman.ok(Duration.ofMinutes(3), build(STAND_IN, dir.resolve("Containerfile"), dir));
    }
    Path context = WORK.resolve("cuda-context");
    copyTree(ROOT.resolve("models"), context.resolve("models"));
    Files.createDirectories(context.resolve("deploy/docker"));
    Files.copy(ROOT.resolve("deploy/docker/cae-stream.properties"), context.resolve("deploy/docker/cae-stream.properties"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path jar = context.resolve("target/cae-stream.jar");
    Files.createDirectories(jar.getParent());
    String[] standIns = {"--build-arg", "JDK_IMAGE=" + STAND_IN, "--build-arg", "JRE_IMAGE=" + STAND_IN,
        "--build-arg", "CUDA_IMAGE=" + STAND_IN};
    Path dockerfile = ROOT.resolve("deploy/docker/Dockerfile.cuda");

    // A CPU-only jar (no CUDA provider library): the build must stop and say how to build the right one.
    writeJar(jar, "libonnxruntime.so", "libonnxruntime4j_jni.so");
    Podman.Result refused = podman.run(Duration.ofMinutes(3), build(CUDA_IMAGE, dockerfile, context, standIns));
    assertThat(refused.code()).as("build with a CPU jar").isNotZero();
    assertThat(refused.output()).contains("has no CUDA provider").contains("-Pcuda");

    writeJar(jar, "libonnxruntime.so", "libonnxruntime4j_jni.so", "libonnxruntime_providers_cuda.so",
        "libonnxruntime_providers_shared.so");
    podman.ok(Duration.ofMinutes(3), build(CUDA_IMAGE, dockerfile, context, standIns));
    List<String> check = new ArrayList<>(List.of("run", "--rm"));
    check.addAll(Podman.LIMITS);
    check.addAll(List.of("--entrypoint", "sh", CUDA_IMAGE, "-c",
        "id -u; id -g; ls /opt/cae-stream/native; echo provider=$CAE_MODEL_PROVIDER; echo opts=$JAVA_TOOL_OPTIONS;"
            + " ls /opt/cae-stream/models; java -version 2>&1 | grep version"));
    String out = podman.ok(Duration.ofMinutes(1), check.toArray(String[]::new));
    assertThat(out.lines().toList()).startsWith("10001", "10001");
    assertThat(out).contains("libonnxruntime_providers_cuda.so").contains("provider=cuda")
        .contains("-Donnxruntime.native.path=/opt/cae-stream/native").contains("synthetic-surface.onnx")
        .containsPattern("openjdk version \"17");
    FIGURES.put("cudaLintSeconds", seconds(t0));
  }

  /** podman build with the runc runtime, host network and limits, the Dockerfile's own ignore file. */
  private static String[] build(String tag, Path dockerfile, Path context, String... extra) {
    List<String> args = new ArrayList<>(List.of("build", "--label", TEST_LABEL));
    args.addAll(Podman.LIMITS);
    args.addAll(List.of("-f", dockerfile.toString(), "-t", tag));
    Path ignore = dockerfile.resolveSibling(dockerfile.getFileName() + ".dockerignore");
    if (Files.isRegularFile(ignore)) {
      args.addAll(List.of("--ignorefile", ignore.toString()));
    }
    args.addAll(List.of(extra));
    args.add(context.toString());
    return args.toArray(String[]::new);
  }

  /** A stand-in jar with these (empty) ONNX Runtime native libraries. */
  private static void writeJar(Path jar, String... natives) throws IOException {
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
      for (String n : natives) {
        z.putNextEntry(new ZipEntry("ai/onnxruntime/native/linux-x64/" + n));
        z.write(("stand-in " + n).getBytes(StandardCharsets.UTF_8));
        z.closeEntry();
      }
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private void awaitReady(String name, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (!podman.ok(Duration.ofSeconds(30), "inspect", name, "--format", "{{.State.Running}}").strip().equals("true")) {
        fail("the container exited before it was ready:\n" + Podman.tail(podman.ok(Duration.ofSeconds(30), "logs", name), 40));
      }
      Thread.sleep(250);
    }
    fail("not ready within 120 s:\n" + Podman.tail(podman.ok(Duration.ofSeconds(30), "logs", name), 40));
  }

  private static void produce(EmbeddedKafka kafka, String topic, String imageId, byte[] png) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(),
        new ByteArraySerializer())) {
      RecordHeaders h = new RecordHeaders();
      h.add("image-id", imageId.getBytes(StandardCharsets.UTF_8));
      p.send(new ProducerRecord<>(topic, null, "line-7/cam-2".getBytes(StandardCharsets.UTF_8), png, h))
          .get(30, TimeUnit.SECONDS);
    }
  }

  private static JsonNode awaitScoreEvent(EmbeddedKafka kafka, String topic, String imageId) throws Exception {
    Properties p = kafka.clientProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "container-it-" + System.nanoTime());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    ObjectMapper json = new ObjectMapper();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
          JsonNode e = json.readTree(r.value());
          if (e.path("imageId").asText().equals(imageId)) {
            return e;
          }
        }
      }
    }
    throw new AssertionError("no score event for " + imageId + " on " + topic);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static double seconds(long startNanos) {
    return Math.round((System.nanoTime() - startNanos) / 1e7) / 100.0;
  }
}
