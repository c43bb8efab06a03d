package io.caestream.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * HTTP on {@code http.host:http.port}: {@code /metrics} (Prometheus text, or OpenMetrics when the
 * scraper asks for it), {@code /health/live}, {@code /health/ready} (JSON saying why not),
 * {@code /} the live anomaly viewer and {@code /api/anomalies} its data. Nothing here shows config.
 */
public final class HttpEndpoints implements AutoCloseable {
  private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private final HttpServer server;
  private final PrometheusMeterRegistry registry;
  private final Health health;
  private final RecentAnomalies recent;
  private final ObjectMapper json = new ObjectMapper();

  public HttpEndpoints(String host, int port, PrometheusMeterRegistry registry, Health health,
      RecentAnomalies recent) {
    this.registry = registry;
    this.health = health;
    this.recent = recent;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 64);
    } catch (BindException e) {
      throw new ConfigException(CaeConfig.HTTP_PORT, "cannot listen on " + host + ":" + port + " ("
          + e.getMessage() + "): the port is in use or the address is not local");
    } catch (IOException e) {
      throw new ConfigException(CaeConfig.HTTP_HOST, "cannot listen on " + host + ":" + port + ": " + e.getMessage());
    }
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "cae-http");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/metrics", this::metrics);
    server.createContext("/health/live", ex -> healthResponse(ex, health.live()));
    server.createContext("/health/ready", ex -> healthResponse(ex, health.ready()));
    server.createContext("/api/anomalies", ex -> send(ex, 200, "application/json", recent.json().getBytes(StandardCharsets.UTF_8)));
    server.createContext("/", this::viewer);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void metrics(HttpExchange ex) throws IOException {
    String accept = ex.getRequestHeaders().getFirst("Accept");
    boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
    String type = openMetrics ? OPENMETRICS : TEXT;
    send(ex, 200, type, registry.scrape(type).getBytes(StandardCharsets.UTF_8));
  }

  private void healthResponse(HttpExchange ex, boolean ok) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", ok ? "UP" : "DOWN");
    body.putAll(health.details());
    send(ex, ok ? 200 : 503, "application/json", json.writeValueAsBytes(body));
  }

  private void viewer(HttpExchange ex) throws IOException {
    if (!ex.getRequestURI().getPath().equals("/")) {
      send(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    try (InputStream in = HttpEndpoints.class.getResourceAsStream("/viewer/index.html")) {
      send(ex, 200, "text/html; charset=utf-8", in == null ? new byte[0] : in.readAllBytes());
    }
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
