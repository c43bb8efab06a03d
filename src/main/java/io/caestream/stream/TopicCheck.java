package io.caestream.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/** Makes sure the four topics exist: creates the missing ones when allowed, else names them. */
public final class TopicCheck {
  private TopicCheck() {}

  public static void ensure(Admin admin, Topics topics, boolean create, int partitions,
      short replication, long timeoutMs) throws Exception {
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
    admin.createTopics(missing.stream().map(t -> new NewTopic(t, partitions, replication)).toList())
        .all().get(timeoutMs, TimeUnit.MILLISECONDS);
  }
}
