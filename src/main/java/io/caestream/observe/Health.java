package io.caestream.observe;

import java.util.Map;

/** What /health/ready reports: ready or not, with the reasons as JSON-able fields. */
public interface Health {
  boolean live();

  boolean ready();

  /** Fields of the JSON body, e.g. {"model":"loaded","kafkaStreams":"REBALANCING"}. */
  Map<String, Object> details();
}
