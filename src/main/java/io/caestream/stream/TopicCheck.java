package io.caestream.stream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Makes sure the four topics exist (creates the missing ones when allowed, else names them) and
 * reads how large a record each accepts, so that the scorer never writes one the broker refuses.
 */
public final class TopicCheck {
  private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private TopicCheck() {}

  /**
   * @param imageTopicMaxBytes explicit {@code max.message.bytes} of a created input or dead-letter
   *     topic (the others keep the broker's default: events are small)
   */
  public static void ensure(Admin admin, Topics topics, boolean create, int partitions,
      short replication, int imageTopicMaxBytes, long timeoutMs) throws Exception {
    Set<String> existing = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
    List<String> missing = new ArrayList<>();
    for (String t : new TreeSet<>(topics.all())) {
      if (!existing.contains(t)) {
        missing.add(t);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    if (!create) {
      throw new IllegalStateException("missing topics: " + String.join(", ", missing)
          + " (create them, or set topics.create=true)");
    }
    List<NewTopic> created = new ArrayList<>();
    for (String t : missing) {
      NewTopic n = new NewTopic(t, partitions, replication);
      if (t.equals(topics.input()) || t.equals(topics.deadLetters())) {
        n.configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(imageTopicMaxBytes)));
      }
      created.add(n);
    }
    admin.createTopics(created).all().get(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Each topic's effective {@code max.message.bytes}: its own setting, else the broker's. A topic
   * created a moment ago can still be unknown to the broker asked (CI saw it once, right after
   * {@link #ensure} created it), so that answer is retried until the timeout.
   */
  public static Map<String, Integer> maxMessageBytes(Admin admin, List<String> names, long timeoutMs)
      throws Exception {
    List<ConfigResource> resources = names.stream().distinct()
        .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    Map<ConfigResource, Config> configs;
    while (true) {
      long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      try {
        configs = admin.describeConfigs(resources).all().get(left, TimeUnit.MILLISECONDS);
        break;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() + RETRY_NANOS > deadline) {
          throw e;
        }
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(RETRY_NANOS));
      }
    }
    Map<String, Integer> out = new LinkedHashMap<>();
    for (ConfigResource r : resources) {
      var entry = configs.get(r).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      if (entry == null || entry.value() == null) {
        throw new IllegalStateException("the cluster did not say the max.message.bytes of topic " + r.name());
      }
      out.put(r.name(), Integer.parseInt(entry.value()));
    }
    return out;
  }
}
