package io.caestream.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP on {@code http.host:http.port}: {@code /metrics} (Prometheus text, or OpenMetrics when the
 * scraper asks for it), {@code /health/live}, {@code /health/ready} (JSON saying why not), and,
 * when {@link HttpAccess#viewer()} allows, {@code /} the live anomaly viewer and
 * {@code /api/anomalies} its data, and when enabled {@code POST /admin/reload}, both behind basic
 * auth when configured ({@link #guardedRoute}). Nothing here shows config.
 */
public final class HttpEndpoints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);
  private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private final HttpServer server;
  private final PrometheusMeterRegistry registry;
  private final Health health;
  private final RecentAnomalies recent;
  private final BasicAuth auth;
  private final ObjectMapper json = new ObjectMapper();

  /** What {@code POST /admin/reload} does: reload and say what changed (JSON-able). */
  @FunctionalInterface
  public interface Reload {
    Map<String, ?> reload();
  }

  public HttpEndpoints(String host, int port, PrometheusMeterRegistry registry, Health health,
      RecentAnomalies recent, HttpAccess access) {
    this(host, port, registry, health, recent, access, null);
  }

  /** @param reload serves {@code POST /admin/reload} (behind the basic auth); null = off (404) */
  public HttpEndpoints(String host, int port, PrometheusMeterRegistry registry, Health health,
      RecentAnomalies recent, HttpAccess access, Reload reload) {
    this.registry = registry;
    this.health = health;
    this.recent = recent;
    this.auth = access.auth();
    server = bind(host, port);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "cae-http");
      t.setDaemon(true);
      return t;
    }));
    route("/metrics", this::metrics);
    route("/health/live", ex -> healthResponse(ex, health.live()));
    route("/health/ready", ex -> healthResponse(ex, health.ready()));
    if (reload != null) {
      guardedRoute("/admin/reload", "POST", ex -> send(ex, 200, "application/json", json.writeValueAsBytes(reload.reload())));
    }
    if (access.viewer()) {
      guardedRoute("/api/anomalies", ex -> send(ex, 200, "application/json", recent.json().getBytes(StandardCharsets.UTF_8)));
      guardedRoute("/", this::viewer);
    } else {
      // The catch-all context answers every other path, so a viewer that is off is a plain 404.
      route("/", ex -> notFound(ex));
    }
    server.start();
  }

  /**
   * A GET/HEAD-only handler for exactly {@code path} (the JDK server matches contexts by prefix,
   * so {@code /metricsfoo} would otherwise be {@code /metrics}). A handler that throws answers
   * 500 with the exception's class only: messages can carry anything, config included.
   */
  private void route(String path, HttpHandler handler) {
    route(path, "GET", handler);
  }

  /** @param allowed GET (GET and HEAD) or POST */
  private void route(String path, String allowed, HttpHandler handler) {
    server.createContext(path, ex -> {
      try {
        if (!ex.getRequestURI().getPath().equals(path)) {
          notFound(ex);
          return;
        }
        String method = ex.getRequestMethod();
        boolean ok = allowed.equals("POST") ? method.equals("POST") : method.equals("GET") || method.equals("HEAD");
        if (!ok) {
          ex.getResponseHeaders().set("Allow", allowed.equals("POST") ? "POST" : "GET, HEAD");
          send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
          return;
        }
        handler.handle(ex);
      } catch (IOException e) {
        LOG.debug("HTTP {} failed: {}", path, e.toString());
      } catch (RuntimeException e) {
        LOG.warn("HTTP {} failed", path, e);
        try {
          send(ex, 500, "text/plain; charset=utf-8",
              ("internal error: " + e.getClass().getSimpleName() + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException ignored) {
          // response already started; the connection is closed
        }
      } finally {
        ex.close();
      }
    });
  }

  /**
   * A route that needs the configured basic auth (open when none is configured): 401 with a
   * challenge without the right credentials. For the viewer and admin paths, never for probes.
   */
  private void guardedRoute(String path, HttpHandler handler) {
    guardedRoute(path, "GET", handler);
  }

  private void guardedRoute(String path, String allowed, HttpHandler handler) {
    route(path, allowed, ex -> {
      if (auth != null && !auth.allows(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.getResponseHeaders().set("WWW-Authenticate", BasicAuth.CHALLENGE);
        send(ex, 401, "text/plain; charset=utf-8", "authentication required\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      handler.handle(ex);
    });
  }

  private static void notFound(HttpExchange ex) throws IOException {
    send(ex, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Binds, telling apart the two ways it fails: an {@code http.host} that is not an address of
   * this machine (or does not resolve), and an {@code http.port} that is taken or not allowed.
   */
  private static HttpServer bind(String host, int port) {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new ConfigException(CaeConfig.HTTP_HOST, "cannot listen on " + host + ": the host name does not resolve");
    }
    if (!isLocal(address.getAddress())) {
      throw new ConfigException(CaeConfig.HTTP_HOST, "cannot listen on " + host + " ("
          + address.getAddress().getHostAddress() + "): not an address of this machine");
    }
    try {
      return HttpServer.create(address, 64);
    } catch (BindException e) {
      throw new ConfigException(CaeConfig.HTTP_PORT, "cannot listen on " + host + ":" + port + " ("
          + e.getMessage() + "): the port is in use or needs privileges");
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(CaeConfig.HTTP_HOST, "cannot listen on " + host + ":" + port + ": " + e);
    }
  }

  private static boolean isLocal(InetAddress a) {
    if (a.isAnyLocalAddress() || a.isLoopbackAddress()) {
      return true;
    }
    try {
      return NetworkInterface.getByInetAddress(a) != null;
    } catch (SocketException e) {
      return true; // cannot tell: let the bind decide
    }
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
    try (InputStream in = HttpEndpoints.class.getResourceAsStream("/viewer/index.html")) {
      send(ex, 200, "text/html; charset=utf-8", in == null ? new byte[0] : in.readAllBytes());
    }
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    if (ex.getRequestMethod().equals("HEAD") || body.length == 0) {
      ex.sendResponseHeaders(status, -1);
      ex.getResponseBody().close();
      return;
    }
    ex.sendResponseHeaders(status, body.length);
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
