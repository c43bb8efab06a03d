package io.caestream.app;

import io.caestream.dataset.MvtecLayout;
import io.caestream.dataset.SyntheticSurfaces;
import io.caestream.dataset.SyntheticSurfaces.Sample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes images to the input topic as a camera line would: key = source id, value = encoded
 * bytes, headers {@code image-id} and (for labelled sets) {@code cae.label}. Rate-limited when asked.
 */
public final class ImageFeed implements AutoCloseable {
  public static final String LABEL_HEADER = "cae.label";

  /** One image to send. */
  public record Item(String source, String imageId, String label, byte[] bytes) {}

  /** Produces items on demand, by index. */
  public interface Source {
    long size();

    Item get(long index);
  }

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;

  public ImageFeed(String bootstrap, String topic, Properties extra) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(20 << 20));
    p.putAll(extra);
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    this.topic = topic;
  }

  /**
   * Sends items {@code [0, size)}; {@code rate} images/s (0 = as fast as possible);
   * {@code gate} is called before each send with the index (a back-pressure hook, may block).
   */
  public void send(Source source, double rate, LongConsumer gate, LongConsumer sent) {
    long start = System.nanoTime();
    for (long i = 0; i < source.size() && !Thread.currentThread().isInterrupted(); i++) {
      gate.accept(i);
      if (rate > 0) {
        long due = start + (long) (i * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          try {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      }
      Item item = source.get(i);
      RecordHeaders h = new RecordHeaders();
      h.add("image-id", item.imageId().getBytes(StandardCharsets.UTF_8));
      if (item.label() != null) {
        h.add(LABEL_HEADER, item.label().getBytes(StandardCharsets.UTF_8));
      }
      final long index = i;
      producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(),
          item.source().getBytes(StandardCharsets.UTF_8), item.bytes(), h), (md, ex) -> {
            if (ex == null) {
              sent.accept(index);
            }
          });
    }
    producer.flush();
  }

  /**
   * Synthetic surfaces, {@code defectRate} of them defective, spread over {@code cameras} sources.
   * A pool of up to 1,024 distinct images is rendered up front and cycled (each send keeps its own
   * image id): rendering and PNG-encoding a surface costs more CPU than scoring it, and a feed
   * should not compete with the scorer it is measuring.
   */
  public static Source synthetic(long count, long seed, int size, double defectRate, int cameras) {
    SyntheticSurfaces gen = new SyntheticSurfaces(size, seed, List.of(SyntheticSurfaces.Surface.values()));
    int poolSize = (int) Math.min(count, 1024);
    Sample[] samples = new Sample[poolSize];
    byte[][] pngs = new byte[poolSize][];
    java.util.stream.IntStream.range(0, poolSize).parallel().forEach(i -> {
      samples[i] = gen.streamSample(i, defectRate);
      pngs[i] = samples[i].image().toPng();
    });
    return new Source() {
      @Override
      public long size() {
        return count;
      }

      @Override
      public Item get(long i) {
        int p = (int) (i % poolSize);
        return new Item("line-1/cam-" + (i % cameras + 1), "synthetic-" + seed + "-" + i,
            samples[p].label(), pngs[p]);
      }
    };
  }

  /** Files (as chosen by {@link MvtecLayout#select}); in MVTec layout the parent folder name is the label. */
  public static Source files(List<Path> files) {
    return new Source() {
      @Override
      public long size() {
        return files.size();
      }

      @Override
      public Item get(long i) {
        Path f = files.get((int) i);
        try {
          String label = f.getParent() == null ? null : f.getParent().getFileName().toString();
          return new Item("files/" + label, f.toString(), label, Files.readAllBytes(f));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }

  @Override
  public void close() {
    producer.close();
  }
}
