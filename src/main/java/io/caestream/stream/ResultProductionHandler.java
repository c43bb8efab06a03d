package io.caestream.stream;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A result that cannot be written is never dropped: retriable errors are retried, anything else
 * (a record too large for the topic, an authorization error) fails the stream thread, which
 * aborts the transaction so the input is read again once the cause is fixed.
 */
public final class ResultProductionHandler implements ProductionExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ResultProductionHandler.class);

  @Override
  public void configure(Map<String, ?> configs) { }

  @Override
  public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
      Exception exception) {
    if (exception instanceof RetriableException) {
      return Response.retry();
    }
    LOG.error("cannot write a result to {} (for input {}-{}@{}): {}; failing so it is not lost",
        record.topic(), context.topic(), context.partition(), context.offset(), exception.toString());
    return Response.fail();
  }
}
