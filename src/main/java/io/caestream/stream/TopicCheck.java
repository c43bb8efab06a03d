package io.caestream.stream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Makes sure the four topics exist (creates the missing ones when allowed, else names them) and
 * reads how large a record each accepts, so that the scorer never writes one the broker refuses.
 */
public final class TopicCheck {
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

  /** Each topic's effective {@code max.message.bytes}: its own setting, else the broker's. */
  public static Map<String, Integer> maxMessageBytes(Admin admin, List<String> names, long timeoutMs)
      throws Exception {
    List<ConfigResource> resources = names.stream().distinct()
        .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
    Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(timeoutMs, TimeUnit.MILLISECONDS);
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
