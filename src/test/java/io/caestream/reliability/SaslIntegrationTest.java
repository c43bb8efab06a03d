package io.caestream.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.embedded.EmbeddedKafka;
import io.caestream.stream.DeadLetterHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scorer against a broker whose only client listener is SASL_PLAINTEXT (PLAIN). With the right
 * credentials (given as {@code kafka.*} settings) it scores; with a wrong password it exits 1 within
 * seconds with one line naming authentication; with no SASL settings at all it gives up after
 * {@code shutdown.timeout.ms} with one line, instead of retrying silently. The password never shows
 * in its logs (at INFO, Kafka's own included) or on any HTTP endpoint, and HTTP binds only where
 * {@code http.host} says.
 */
class SaslIntegrationTest {
  private static final String PASSWORD = "scorer-pw-" + UUID.randomUUID();
  private static final String WRONG = "not-the-pw-" + UUID.randomUUID();
  private static final int IMAGES = 40;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Map<String, String> config(EmbeddedKafka kafka, Path dir, String appId) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    c.put("application.id", appId);
    c.put("kafka.state.dir", dir.resolve("state-" + appId).toString());
    c.put("http.host", "127.0.0.1");
    c.put("http.port", "0");
    c.put("topics.create", "false");
    c.put("kafka.num.stream.threads", "1");
    return c;
  }

  private static Map<String, String> sasl(Map<String, String> c, String password) {
    c.put("kafka.security.protocol", "SASL_PLAINTEXT");
    c.put("kafka.sasl.mechanism", "PLAIN");
    c.put("kafka.sasl.jaas.config", EmbeddedKafka.plainJaas("scorer", password));
    return c;
  }

  @Test
  void scoresWithTheRightCredentialsAndFailsFastWithWrongOnes(@TempDir Path dir) throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.startSaslPlain(0, Map.of("scorer", PASSWORD), Map.of())) {
      kafka.createTopics(List.of("images", "image-scores", "anomalies", "images-dlq"), 2);
      Map<String, Object> figures = new LinkedHashMap<>();

      // Wrong password: authentication fails at the first contact (the topic check), exit 1, one line.
      long start = System.nanoTime();
      try (ScorerProcess wrong = ScorerProcess.start(dir, "wrong-password",
          sasl(config(kafka, dir, "sasl-wrong"), WRONG), List.of())) {
        Integer code = wrong.waitFor(60_000);
        long ms = (System.nanoTime() - start) / 1_000_000;
        figures.put("wrongPasswordExitMs", ms);
        assertThat(code).as("exit code with a wrong password; log:\n%s", wrong.logTail(30)).isEqualTo(1);
        assertThat(ms).as("fails fast").isLessThan(30_000);
        List<String> errors = wrong.log().lines().filter(l -> l.startsWith("error:")).toList();
        assertThat(errors).as(wrong.log()).hasSize(1);
        assertThat(errors.get(0)).startsWith("error: Kafka authentication failed for " + kafka.bootstrapServers() + ": ");
        assertThat(wrong.log()).doesNotContain(WRONG).doesNotContain(PASSWORD);
      }

      // No SASL settings against a SASL listener: nothing ever answers; a clear line after the timeout.
      start = System.nanoTime();
      Map<String, String> plain = config(kafka, dir, "sasl-none");
      plain.put("shutdown.timeout.ms", "5000");
      try (ScorerProcess none = ScorerProcess.start(dir, "no-sasl", plain, List.of())) {
        Integer code = none.waitFor(60_000);
        long ms = (System.nanoTime() - start) / 1_000_000;
        figures.put("plaintextClientExitMs", ms);
        assertThat(code).as("exit code without SASL settings; log:\n%s", none.logTail(30)).isEqualTo(1);
        assertThat(ms).isLessThan(30_000);
        List<String> errors = none.log().lines().filter(l -> l.startsWith("error:")).toList();
        assertThat(errors).as(none.log()).hasSize(1);
        assertThat(errors.get(0)).startsWith("error: Kafka at " + kafka.bootstrapServers() + " did not answer within 5000 ms");
      }

      // Right credentials, everything logged at INFO (Kafka's config dumps too): it scores, nothing leaks.
      List<String> info = List.of("-Dcae.log.level=info", "-Dcae.log.level.org.apache.kafka=info",
          "-Dcae.log.level.kafka=info");
      try (ScorerProcess good = ScorerProcess.start(dir, "right-password",
          sasl(config(kafka, dir, "sasl-good"), PASSWORD), info)) {
        int port = good.awaitStarted(60_000);
        produce(kafka);
        int results = awaitResults(kafka, IMAGES, Duration.ofSeconds(90));
        figures.put("imagesScoredOverSasl", results);
        assertThat(results).as("results over SASL; log:\n%s", good.logTail(30)).isEqualTo(IMAGES);

        Map<String, String> bodies = new LinkedHashMap<>();
        for (String path : List.of("/metrics", "/health/live", "/health/ready", "/", "/api/anomalies")) {
          bodies.put(path, get("127.0.0.1", port, path));
        }
        assertThat(bodies.get("/metrics")).contains("cae_images_total");
        assertThat(bodies.get("/health/ready")).contains("RUNNING");
        bodies.forEach((path, body) -> assertThat(body).as(path).doesNotContain(PASSWORD)
            .doesNotContain("PlainLoginModule").doesNotContain("jaas"));

        List<String> others = nonLoopbackAddresses();
        for (String address : others) {
          assertThat(refused(address, port)).as("HTTP must not listen on %s (http.host=127.0.0.1)", address).isTrue();
        }
        figures.put("httpRefusedOn", others);

        good.terminate();
        Integer code = good.waitFor(40_000);
        assertThat(code).as("exit after SIGTERM; log:\n%s", good.logTail(30)).isEqualTo(0);
        String log = good.log();
        assertThat(log).as("the start-up config is logged, masked").contains("kafka.sasl.jaas.config=******");
        assertThat(log).as("Kafka's own config dump ran at INFO").contains("sasl.jaas.config = [hidden]");
        assertThat(log).doesNotContain(PASSWORD);
        figures.put("infoLogLines", log.lines().count());
      }
      System.out.println("SASL-FIGURES " + JSON.writeValueAsString(figures));
    }
  }

  private static void produce(EmbeddedKafka kafka) throws Exception {
    SyntheticSurfaces gen = new SyntheticSurfaces(64, 99, List.of(SyntheticSurfaces.Surface.values()));
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(),
        new ByteArraySerializer())) {
      for (int i = 0; i < IMAGES; i++) {
        p.send(new ProducerRecord<>("images", ("cam-" + i % 3).getBytes(StandardCharsets.UTF_8),
            i == 7 ? new byte[] {1, 2, 3} : gen.streamSample(i, 0.2).image().toPng())).get();
      }
    }
  }

  /** Distinct input offsets with a committed result (score event or dead letter). */
  private static int awaitResults(EmbeddedKafka kafka, int expected, Duration timeout) throws IOException {
    Properties p = kafka.clientProperties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "sasl-check-" + System.nanoTime());
    Set<String> seen = new HashSet<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of("image-scores", "images-dlq"));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (seen.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          if (r.topic().equals("images-dlq")) {
            seen.add(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.SOURCE_PARTITION) + "@"
                + DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.SOURCE_OFFSET));
          } else {
            JsonNode input = JSON.readTree(r.value()).get("input");
            seen.add(input.get("partition").asInt() + "@" + input.get("offset").asLong());
          }
        }
      }
    }
    return seen.size();
  }

  private static String get(String host, int port, String path) throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL("http://" + host + ":" + port + path).openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout(10_000);
    try {
      InputStream in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream();
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      c.disconnect();
    }
  }

  private static List<String> nonLoopbackAddresses() throws IOException {
    List<String> out = new ArrayList<>();
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!ni.isUp() || ni.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          out.add(a.getHostAddress());
        }
      }
    }
    return out;
  }

  private static boolean refused(String address, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), 3_000);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      // A timeout also means nothing accepted the connection there.
      return true;
    }
  }
}
