package io.caestream.stream;

import io.caestream.model.ModelFailureException;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' processing exception handler. Bad images never get here (the processor
 * dead-letters them itself); this catches the unexpected:
 * <ul>
 *   <li>a model failure fails the stream thread, so the transaction aborts and the image is
 *       scored again after the thread is replaced ({@link ScorerFailurePolicy}); dead-lettering
 *       here would empty a healthy line into the DLQ one image at a time;</li>
 *   <li>any other exception is a defect of one record (a bug, say): that record goes to the DLQ
 *       with reason {@code internal-error} and the stream moves on.</li>
 * </ul>
 */
public final class UnexpectedErrorHandler implements ProcessingExceptionHandler {
  static final String DLQ_TOPIC_CONFIG = "cae.dlq.topic";
  /** Config entry: the largest dead letter the producer and the topic accept ({@link DeadLetter}). */
  public static final String DLQ_MAX_BYTES_CONFIG = "cae.dlq.max.bytes";
  /** Config entry carrying the {@link StreamListener} (an object, not a string) for the metrics. */
  public static final String LISTENER_CONFIG = "cae.stream.listener";
  private static final Logger LOG = LoggerFactory.getLogger(UnexpectedErrorHandler.class);
  private String dlqTopic;
  private int dlqMaxBytes = Integer.MAX_VALUE;
  private StreamListener listener = StreamListener.NONE;

  @Override
  public void configure(Map<String, ?> configs) {
    Object t = configs.get(DLQ_TOPIC_CONFIG);
    dlqTopic = t == null ? "images-dlq" : t.toString();
    if (configs.get(DLQ_MAX_BYTES_CONFIG) != null) {
      dlqMaxBytes = Integer.parseInt(configs.get(DLQ_MAX_BYTES_CONFIG).toString());
    }
    if (configs.get(LISTENER_CONFIG) instanceof StreamListener l) {
      listener = l;
    }
  }

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    if (exception instanceof org.apache.kafka.common.KafkaException) {
      // Kafka's own failures (a send that failed, a fenced producer) are not this record's fault
      // and may come after its result was forwarded: fail and let the transaction abort.
      LOG.error("Kafka error on {}-{}@{}; failing the stream thread: {}", context.topic(),
          context.partition(), context.offset(), exception.toString());
      return Response.fail();
    }
    if (isModelFailure(exception)) {
      LOG.error("model failure on {}-{}@{}; failing the stream thread so the image is retried: {}",
          context.topic(), context.partition(), context.offset(), exception.getMessage());
      return Response.fail();
    }
    LOG.error("unexpected error on {}-{}@{}; dead-lettering the record", context.topic(),
        context.partition(), context.offset(), exception);
    DeadLetter d = DeadLetter.of(context.sourceRawKey(), context.sourceRawValue(), context.headers(),
        RecordProblem.INTERNAL_ERROR.word(), String.valueOf(exception), context.topic(), context.partition(),
        context.offset(), dlqMaxBytes);
    listener.rejected(null, RecordProblem.INTERNAL_ERROR.word());
    return Response.resume(List.of(new ProducerRecord<>(dlqTopic, null, d.key(), d.value(), d.headers())));
  }

  static boolean isModelFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ModelFailureException) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }
}
