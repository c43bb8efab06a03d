package io.caestream.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.cli.Main;
import io.caestream.config.CaeConfig;
import io.caestream.testing.ExternalTool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} with invalid configurations and broken models, through the same entry point as
 * the jar. A bad config is exit 2 with exactly one line on stderr naming the key; a model that
 * cannot be used is exit 1 with one line saying what is wrong with which file. Either way nothing
 * has connected to Kafka yet: {@code kafka.bootstrap.servers} points at a listening socket that
 * counts connections, and it must count none. Secret values never appear in any of it.
 */
class BadConfigTest {
  private static final String SECRET = "hunter2-do-not-print";
  /** A socket standing in for a broker: any connection means Kafka was contacted too early. */
  private static ServerSocket fakeBroker;
  private static final AtomicInteger CONNECTIONS = new AtomicInteger();
  private static Thread acceptor;

  @TempDir
  static Path dir;

  @BeforeAll
  static void listen() throws IOException {
    fakeBroker = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(() -> {
      while (!fakeBroker.isClosed()) {
        try {
          Socket s = fakeBroker.accept();
          CONNECTIONS.incrementAndGet();
          s.close();
        } catch (IOException closed) {
          return;
        }
      }
    }, "fake-broker");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterAll
  static void close() throws Exception {
    fakeBroker.close();
    acceptor.join(5_000);
  }

  private static String bootstrap() {
    return "127.0.0.1:" + fakeBroker.getLocalPort();
  }

  private record Run(int code, String out, String err, long millis) {
    List<String> errLines() {
      return err.lines().filter(l -> !l.isBlank()).toList();
    }
  }

  private static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    long start = System.nanoTime();
    try {
      // Everything the process would print on stderr, logs included, lands here.
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      var cl = Main.commandLine();
      cl.setOut(new PrintWriter(System.out, true));
      cl.setErr(new PrintWriter(System.err, true));
      int code = cl.execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
          (System.nanoTime() - start) / 1_000_000);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private static Path write(String name, Map<String, String> props) throws IOException {
    StringBuilder sb = new StringBuilder();
    props.forEach((k, v) -> sb.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
    Path f = dir.resolve(name + ".properties");
    Files.writeString(f, sb.toString());
    return f;
  }

  /** A valid base config: only the case's change makes it invalid. */
  private static Map<String, String> base() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("kafka.bootstrap.servers", bootstrap());
    m.put(CaeConfig.HTTP_HOST, "127.0.0.1");
    m.put(CaeConfig.HTTP_PORT, "0");
    return m;
  }

  private record Case(String name, Map<String, String> change, List<String> remove, String key) {
    static Case set(String name, String key, String value, String named) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put(key, value);
      return new Case(name, m, List.of(), named);
    }
  }

  @Test
  void everyInvalidConfigIsExitTwoWithOneLineNamingTheKeyBeforeKafkaIsContacted() throws Exception {
    Path modelDir = Files.createDirectories(dir.resolve("model-is-a-directory.onnx"));
    Path unreadable = dir.resolve("unreadable.onnx");
    Files.write(unreadable, new byte[] {1, 2, 3});
    Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
    List<Case> cases = new ArrayList<>(List.of(
        Case.set("unknown provider", CaeConfig.MODEL_PROVIDER, "quantum", CaeConfig.MODEL_PROVIDER),
        Case.set("negative batch", CaeConfig.MODEL_BATCH_MAX, "-4", CaeConfig.MODEL_BATCH_MAX),
        Case.set("threshold not a number", CaeConfig.MODEL_THRESHOLD, "high", CaeConfig.MODEL_THRESHOLD),
        Case.set("negative threshold", CaeConfig.MODEL_THRESHOLD, "-0.01", CaeConfig.MODEL_THRESHOLD),
        Case.set("missing model file", CaeConfig.MODEL_PATH, dir.resolve("missing.onnx").toString(), CaeConfig.MODEL_PATH),
        Case.set("model path is a directory", CaeConfig.MODEL_PATH, modelDir.toString(), CaeConfig.MODEL_PATH),
        Case.set("unknown key", "modle.path", "/tmp/x.onnx", "modle.path"),
        Case.set("bad boolean", CaeConfig.TOPICS_CREATE, "yes", CaeConfig.TOPICS_CREATE),
        Case.set("port out of range", CaeConfig.HTTP_PORT, "65536", CaeConfig.HTTP_PORT),
        Case.set("shutdown timeout too short", CaeConfig.SHUTDOWN_TIMEOUT_MS, "5", CaeConfig.SHUTDOWN_TIMEOUT_MS),
        Case.set("zero pixel limit", CaeConfig.IMAGE_MAX_PIXELS, "0", CaeConfig.IMAGE_MAX_PIXELS),
        Case.set("empty topic", CaeConfig.DLQ_TOPIC, " ", CaeConfig.DLQ_TOPIC),
        Case.set("empty bootstrap servers", "kafka.bootstrap.servers", "", "kafka.bootstrap.servers"),
        new Case("no bootstrap servers", Map.of(), List.of("kafka.bootstrap.servers"), "kafka.bootstrap.servers"),
        Case.set("kafka value not a number", "kafka.num.stream.threads", "abc", "kafka.num.stream.threads"),
        Case.set("unknown processing guarantee", "kafka.processing.guarantee", "at_most_twice", "kafka.processing.guarantee"),
        Case.set("unknown security protocol", "kafka.security.protocol", "SASL_PLAINTEXTT", "kafka.security.protocol"),
        Case.set("kafka prefix alone", "kafka.", "x", "kafka."),
        Case.set("malformed JAAS (secret must not be echoed)", "kafka.sasl.jaas.config",
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"" + SECRET + "\"",
            "kafka.sasl.jaas.config"),
        Case.set("unknown key with a secret value", "db.password", SECRET, "db.password"),
        Case.set("viewer flag not a boolean", CaeConfig.HTTP_VIEWER_ENABLED, "on", CaeConfig.HTTP_VIEWER_ENABLED),
        Case.set("auth password without a user (secret must not be echoed)", CaeConfig.HTTP_AUTH_PASSWORD, SECRET,
            CaeConfig.HTTP_AUTH_USER),
        Case.set("auth user without a password", CaeConfig.HTTP_AUTH_USER, "viewer", CaeConfig.HTTP_AUTH_PASSWORD),
        Case.set("auth user with a colon", CaeConfig.HTTP_AUTH_USER, "line:3", CaeConfig.HTTP_AUTH_USER),
        Case.set("unknown log format", CaeConfig.LOG_FORMAT, "xml", CaeConfig.LOG_FORMAT)));
    if (!Files.isReadable(unreadable)) {
      // Only meaningful when not running as root (root reads any file).
      cases.add(Case.set("unreadable model file", CaeConfig.MODEL_PATH, unreadable.toString(), CaeConfig.MODEL_PATH));
    }
    List<String> report = new ArrayList<>();
    try (ServerSocket busy = new ServerSocket(0)) {
      cases.add(Case.set("port in use", CaeConfig.HTTP_PORT, Integer.toString(busy.getLocalPort()), CaeConfig.HTTP_PORT));
      int i = 0;
      for (Case c : cases) {
        Map<String, String> props = base();
        c.remove().forEach(props::remove);
        props.putAll(c.change());
        Run r = run("serve", "--config", write("case-" + i++, props).toString());
        report.add(c.name() + " -> " + r.code() + " " + r.err().strip());
        assertThat(r.code()).as("%s: exit code (stderr: %s)", c.name(), r.err()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.errLines()).as("%s: exactly one line on stderr", c.name()).hasSize(1);
        assertThat(r.errLines().get(0)).as(c.name()).startsWith("config error: " + c.key() + ":");
        assertThat(r.err()).as("%s: no secret in the message", c.name()).doesNotContain(SECRET);
        assertThat(r.out()).as(c.name()).isEmpty();
      }
    }
    // The missing --config file itself.
    Run r = run("serve", "--config", dir.resolve("no-such.properties").toString());
    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.errLines()).hasSize(1).first().asString().startsWith("config error: --config:");
    assertThat(CONNECTIONS.get()).as("connections to Kafka before the config was valid").isZero();
    System.out.println("bad-config cases (" + report.size() + "):");
    report.forEach(line -> System.out.println("  " + line));
  }

  @Test
  void unusableModelsAreOneLineStartUpErrorsBeforeKafkaIsContacted() throws Exception {
    Path fixtures = ExternalTool.projectRoot().resolve("src/test/resources/models");
    Path bundled = ExternalTool.projectRoot().resolve("models/synthetic-surface.onnx");
    Path corrupt = dir.resolve("corrupt/model.onnx");
    Files.createDirectories(corrupt.getParent());
    Files.write(corrupt, "this is not protobuf at all".getBytes(StandardCharsets.UTF_8));
    Path truncated = dir.resolve("truncated/model.onnx");
    Files.createDirectories(truncated.getParent());
    byte[] good = Files.readAllBytes(bundled);
    Files.write(truncated, java.util.Arrays.copyOf(good, good.length / 2));
    Path uncalibrated = dir.resolve("uncalibrated/model.onnx");
    Files.createDirectories(uncalibrated.getParent());
    Files.copy(bundled, uncalibrated);
    Map<String, Path> models = new LinkedHashMap<>();
    Map<String, String> expected = new LinkedHashMap<>();
    models.put("corrupt file", corrupt);
    expected.put("corrupt file", "not a loadable ONNX model");
    models.put("truncated file", truncated);
    expected.put("truncated file", "model.path=" + truncated);
    models.put("output shape differs from input", fixtures.resolve("shape-mismatch.onnx"));
    expected.put("output shape differs from input", "differs from its input shape");
    models.put("no metadata", fixtures.resolve("no-metadata.onnx"));
    expected.put("no metadata", "cae.input.channels");
    int i = 0;
    List<String> report = new ArrayList<>();
    for (var e : models.entrySet()) {
      Map<String, String> props = base();
      props.put(CaeConfig.MODEL_PATH, e.getValue().toString());
      props.put(CaeConfig.MODEL_THRESHOLD, "0.01");
      Run r = run("serve", "--config", write("model-" + i++, props).toString());
      report.add(e.getKey() + " -> " + r.code() + " " + r.err().strip());
      assertThat(r.code()).as("%s (stderr: %s)", e.getKey(), r.err()).isEqualTo(Main.EXIT_RUNTIME);
      assertThat(r.errLines()).as(e.getKey()).hasSize(1);
      assertThat(r.errLines().get(0)).as(e.getKey()).startsWith("error: cannot use the model model.path=" + e.getValue())
          .contains(expected.get(e.getKey()));
    }
    // Without calibration and without model.threshold there is no threshold to serve with.
    Map<String, String> props = base();
    props.put(CaeConfig.MODEL_PATH, uncalibrated.toString());
    Run r = run("serve", "--config", write("uncalibrated", props).toString());
    report.add("no calibration -> " + r.code() + " " + r.err().strip());
    assertThat(r.code()).as(r.err()).isEqualTo(Main.EXIT_RUNTIME);
    assertThat(r.errLines()).hasSize(1).first().asString().startsWith("error: ").contains("has no calibration")
        .contains("model.threshold");
    assertThat(CONNECTIONS.get()).as("connections to Kafka before the model loaded").isZero();
    System.out.println("bad-model cases (" + report.size() + "):");
    report.forEach(line -> System.out.println("  " + line));
  }

  @Test
  void everyKafkaPasswordSettingIsMaskedInDescriptionsAndHelp() {
    List<String> passwords = new ArrayList<>();
    for (ConfigDef def : List.of(StreamsConfig.configDef(), ProducerConfig.configDef(), ConsumerConfig.configDef(),
        AdminClientConfig.configDef())) {
      def.configKeys().values().stream().filter(k -> k.type == ConfigDef.Type.PASSWORD).forEach(k -> passwords.add(k.name));
    }
    assertThat(passwords).contains("sasl.jaas.config", "ssl.key.password", "ssl.truststore.password");
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put("kafka.bootstrap.servers", "b:9092");
    for (String p : passwords) {
      for (String prefix : List.of("", "producer.", "main.consumer.", "admin.")) {
        raw.put("kafka." + prefix + p, SECRET + "-" + prefix + p);
      }
    }
    CaeConfig c = CaeConfig.of(raw);
    Map<String, String> shown = c.describe();
    raw.keySet().stream().filter(k -> !k.equals("kafka.bootstrap.servers"))
        .forEach(k -> assertThat(shown.get(k)).as(k).isEqualTo("******"));
    assertThat(shown.toString()).doesNotContain(SECRET).contains("b:9092");
    Run help = run("--help-config");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("kafka.sasl.jaas.config").doesNotContain(SECRET);
    for (var k : CaeConfig.KEYS) {
      if (k.secret()) {
        // An empty default (http.auth.password) is in every text: check the row shows the mask.
        assertThat(help.out()).as(k.name()).containsPattern(java.util.regex.Pattern.quote(k.name()) + "\\s+\\S+\\s+\\*{6}");
        if (!k.defaultValue().isEmpty()) {
          assertThat(help.out()).as(k.name()).doesNotContain(k.defaultValue());
        }
      }
    }
  }
}
