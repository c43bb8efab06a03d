package io.caestream.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node KRaft Kafka (one process playing broker and controller) inside this JVM,
 * started exactly as {@code kafka-storage.sh format --standalone} and {@code kafka-server-start.sh}
 * would: Kafka's own StorageTool formats a temporary folder and KafkaRaftServer runs it. No
 * Docker. The folder is deleted on close. Used by {@code demo}, {@code bench} and integration tests.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final Path dir;
  private final Map<String, String> config;
  private final int port;
  /** Security settings a client needs for the client listener (empty for PLAINTEXT). */
  private final Map<String, String> clientSecurity;
  private KafkaRaftServer server;

  private EmbeddedKafka(Path dir, Map<String, String> config, int port, Map<String, String> clientSecurity) {
    this.dir = dir;
    this.config = config;
    this.port = port;
    this.clientSecurity = Map.copyOf(clientSecurity);
  }

  /**
   * Formats and starts a broker.
   *
   * @param port client port on localhost; 0 picks a free one
   * @param overrides broker settings replacing the single-node defaults (e.g. SASL listeners)
   */
  public static EmbeddedKafka start(int port, Map<String, String> overrides) throws Exception {
    return start(port, overrides, null, true);
  }

  /**
   * Formats and starts a broker with Kafka's own record limits ({@code message.max.bytes} about
   * 1 MiB) instead of the raised ones of {@link #start}: what a stock cluster has, for tests of
   * records that do not fit their topic.
   */
  public static EmbeddedKafka startWithDefaultLimits(int port, Map<String, String> overrides) throws Exception {
    return start(port, overrides, null, false);
  }

  /**
   * Formats and starts a broker whose client listener is {@code SASL_PLAINTEXT} with the PLAIN
   * mechanism (the controller listener stays PLAINTEXT on localhost). {@code users} maps user
   * names to passwords; the broker itself (inter-broker traffic, {@link #admin()}) authenticates
   * as an extra user {@code broker} with a random password.
   */
  public static EmbeddedKafka startSaslPlain(int port, Map<String, String> users,
      Map<String, String> overrides) throws Exception {
    return start(port, overrides, users, true);
  }

  /** The {@code sasl.jaas.config} value a client uses to log in with PLAIN. */
  public static String plainJaas(String user, String password) {
    return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
        + user + "\" password=\"" + password + "\";";
  }

  private static EmbeddedKafka start(int port, Map<String, String> overrides,
      Map<String, String> saslUsers, boolean largeRecords) throws Exception {
    int clientPort = port > 0 ? port : freePort();
    int controllerPort = freePort();
    Path dir = Files.createTempDirectory("cae-kafka-");
    Map<String, String> c = new LinkedHashMap<>();
    c.put("process.roles", "broker,controller");
    c.put("node.id", "1");
    c.put("listeners", "PLAINTEXT://localhost:" + clientPort + ",CONTROLLER://localhost:" + controllerPort);
    c.put("advertised.listeners", "PLAINTEXT://localhost:" + clientPort);
    c.put("controller.listener.names", "CONTROLLER");
    c.put("inter.broker.listener.name", "PLAINTEXT");
    c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    c.put("controller.quorum.bootstrap.servers", "localhost:" + controllerPort);
    c.put("log.dirs", dir.resolve("data").toString());
    c.put("offsets.topic.replication.factor", "1");
    c.put("offsets.topic.num.partitions", "4");
    c.put("transaction.state.log.replication.factor", "1");
    c.put("transaction.state.log.min.isr", "1");
    c.put("transaction.state.log.num.partitions", "4");
    c.put("share.coordinator.state.topic.replication.factor", "1");
    c.put("share.coordinator.state.topic.min.isr", "1");
    c.put("group.initial.rebalance.delay.ms", "0");
    c.put("num.partitions", "1");
    c.put("auto.create.topics.enable", "false");
    if (largeRecords) {
      // Room for large images and dead letters that carry them.
      c.put("message.max.bytes", Integer.toString(20 << 20));
    }
    Map<String, String> clientSecurity = new LinkedHashMap<>();
    if (saslUsers != null) {
      String brokerPassword = Uuid.randomUuid().toString();
      StringBuilder jaas = new StringBuilder(plainJaas("broker", brokerPassword));
      jaas.setLength(jaas.length() - 1);
      jaas.append(" user_broker=\"").append(brokerPassword).append('"');
      saslUsers.forEach((user, password) ->
          jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
      jaas.append(';');
      c.put("listeners", "SASL_PLAINTEXT://localhost:" + clientPort + ",CONTROLLER://localhost:" + controllerPort);
      c.put("advertised.listeners", "SASL_PLAINTEXT://localhost:" + clientPort);
      c.put("inter.broker.listener.name", "SASL_PLAINTEXT");
      c.put("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
      c.put("sasl.enabled.mechanisms", "PLAIN");
      c.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
      c.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.toString());
      clientSecurity.put("security.protocol", "SASL_PLAINTEXT");
      clientSecurity.put("sasl.mechanism", "PLAIN");
      clientSecurity.put("sasl.jaas.config", plainJaas("broker", brokerPassword));
    }
    c.putAll(overrides);
    EmbeddedKafka kafka = new EmbeddedKafka(dir, c, clientPort, clientSecurity);
    try {
      kafka.format();
      kafka.startServer();
    } catch (Exception | Error e) {
      kafka.close();
      throw e;
    }
    return kafka;
  }

  private void format() throws IOException {
    Path props = dir.resolve("server.properties");
    Properties p = new Properties();
    p.putAll(config);
    try (Writer w = Files.newBufferedWriter(props)) {
      p.store(w, "cae-stream embedded broker");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c",
        props.toString(), "--standalone"}, new PrintStream(out, true, StandardCharsets.UTF_8));
    if (rc != 0) {
      throw new IOException("kafka-storage format failed: " + out.toString(StandardCharsets.UTF_8));
    }
  }

  private void startServer() throws Exception {
    server = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
    server.startup();
    awaitReady();
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try (Admin admin = admin()) {
        admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        last = e;
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("embedded Kafka did not become ready", last);
  }

  /** Stops the broker, keeping its data (to test what clients do while it is gone). */
  public void stop() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
  }

  /** Starts it again on the same port and data. */
  public void restart() throws Exception {
    stop();
    startServer();
  }

  public String bootstrapServers() {
    return "localhost:" + port;
  }

  /**
   * What a client needs to connect: {@code bootstrap.servers} plus, on a SASL broker, the
   * security settings of the broker's own user (full rights; tests give the scorer its own user).
   */
  public Properties clientProperties() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.putAll(clientSecurity);
    return p;
  }

  public Admin admin() {
    return Admin.create(clientProperties());
  }

  public void createTopics(List<String> names, int partitions) throws Exception {
    try (Admin admin = admin()) {
      var existing = admin.listTopics().names().get();
      admin.createTopics(names.stream().distinct().filter(n -> !existing.contains(n))
          .map(n -> new NewTopic(n, partitions, (short) 1)).toList()).all().get();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    try {
      stop();
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // A leftover temp folder is harmless.
      }
    }
  }
}
