package io.caestream.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node KRaft Kafka (combined broker and controller) inside this JVM, in a temporary
 * folder that is deleted on close. Built on Kafka's own test kit, so it is the very broker code
 * a cluster runs; no Docker. Used by {@code demo}, {@code bench} and the integration tests.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final KafkaClusterTestKit cluster;
  private final Path dir;

  private EmbeddedKafka(KafkaClusterTestKit cluster, Path dir) {
    this.cluster = cluster;
    this.dir = dir;
  }

  /**
   * Starts the broker.
   *
   * @param port client port on localhost; 0 picks a free one
   * @param extraBrokerConfig broker settings on top of the single-node defaults
   */
  public static EmbeddedKafka start(int port, Map<String, String> extraBrokerConfig) throws Exception {
    Path dir = Files.createTempDirectory("cae-kafka-");
    Map<String, String> perServer = new HashMap<>();
    if (port > 0) {
      perServer.put("listeners", "EXTERNAL://localhost:" + port + ",CONTROLLER://localhost:0");
    }
    perServer.putAll(extraBrokerConfig);
    TestKitNodes nodes = new TestKitNodes.Builder()
        .setCombined(true)
        .setNumBrokerNodes(1)
        .setNumControllerNodes(1)
        .setBaseDirectory(dir)
        .setPerServerProperties(Map.of(0, perServer))
        .build();
    KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes)
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("transaction.state.log.replication.factor", "1")
        .setConfigProp("transaction.state.log.min.isr", "1")
        .setConfigProp("group.initial.rebalance.delay.ms", "0")
        .setConfigProp("num.partitions", "1")
        .setConfigProp("auto.create.topics.enable", "false")
        // Room for large images and dead letters that carry them.
        .setConfigProp("message.max.bytes", Integer.toString(20 << 20))
        .setDeleteOnClose(true);
    KafkaClusterTestKit cluster = builder.build();
    try {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return new EmbeddedKafka(cluster, dir);
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  public Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return Admin.create(p);
  }

  public void createTopics(List<String> names, int partitions) throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(names.stream().map(n -> new NewTopic(n, partitions, (short) 1)).toList()).all().get();
    }
  }

  /** The underlying test kit, for fault injection in tests (broker restarts). */
  public KafkaClusterTestKit cluster() {
    return cluster;
  }

  @Override
  public void close() throws Exception {
    try {
      cluster.close();
    } finally {
      deleteQuietly(dir);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (Exception ignored) {
      // A leftover temp folder is harmless.
    }
  }
}
