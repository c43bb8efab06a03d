package io.caestream.reliability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Sends test inputs and says how many landed on each partition: what the verifier expects. */
final class Inputs {
  private Inputs() {}

  static Map<Integer, Long> send(Properties client, List<ProducerRecord<byte[], byte[]>> records) throws Exception {
    Map<Integer, Long> perPartition = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (ProducerRecord<byte[], byte[]> r : records) {
        sent.add(producer.send(r));
      }
      for (Future<RecordMetadata> f : sent) {
        perPartition.merge(f.get(30, TimeUnit.SECONDS).partition(), 1L, Long::sum);
      }
    }
    return perPartition;
  }
}
