package io.caestream.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real headless Chromium driven over the DevTools protocol (a WebSocket, java.net.http's own),
 * for tests that must act on a page (click, drag a slider) and read what the browser computed,
 * not only dump its DOM. Flags as the machine's notes require: no background networking, no
 * sandbox as root, a fresh profile.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
  private final ObjectMapper json = new ObjectMapper();
  private final Process process;
  private final WebSocket socket;
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();

  private HeadlessChromium(Process process, WebSocket socket) {
    this.process = process;
    this.socket = socket;
  }

  static HeadlessChromium open(Path chromium, Path profile, String url) throws Exception {
    Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--remote-debugging-port=0", "--user-data-dir=" + Files.createDirectories(profile), url)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String browserWs = null;
    BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (browserWs == null && System.nanoTime() < deadline) {
      String line = err.readLine();
      if (line == null) {
        throw new IllegalStateException("chromium exited before opening DevTools");
      }
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        browserWs = m.group(1);
      }
    }
    if (browserWs == null) {
      p.destroyForcibly();
      throw new IllegalStateException("chromium did not open DevTools within 60 s");
    }
    Thread drain = new Thread(() -> err.lines().forEach(l -> { }), "chromium-stderr");
    drain.setDaemon(true);
    drain.start();
    URI base = URI.create(browserWs.replaceFirst("^ws://([^/]+)/.*$", "http://$1"));
    HttpClient http = HttpClient.newHttpClient();
    String pageWs = null;
    while (pageWs == null && System.nanoTime() < deadline) {
      HttpResponse<String> list = http.send(HttpRequest.newBuilder(base.resolve("/json/list")).build(),
          HttpResponse.BodyHandlers.ofString());
      for (JsonNode target : new ObjectMapper().readTree(list.body())) {
        if ("page".equals(target.path("type").asText())) {
          pageWs = target.path("webSocketDebuggerUrl").asText();
        }
      }
      if (pageWs == null) {
        Thread.sleep(100);
      }
    }
    HeadlessChromium[] self = new HeadlessChromium[1];
    StringBuilder partial = new StringBuilder();
    WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(pageWs), new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          self[0].received(partial.toString());
          partial.setLength(0);
        }
        webSocket.request(1);
        return null;
      }
    }).get(30, TimeUnit.SECONDS);
    self[0] = new HeadlessChromium(p, ws);
    return self[0];
  }

  private void received(String message) {
    try {
      JsonNode n = json.readTree(message);
      CompletableFuture<JsonNode> f = n.has("id") ? pending.remove(n.get("id").asInt()) : null;
      if (f != null) {
        f.complete(n);
      }
    } catch (IOException e) {
      // not a reply we wait for
    }
  }

  /** Evaluates a JavaScript expression in the page (promises awaited) and returns its value. */
  JsonNode eval(String expression) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    var cmd = json.createObjectNode().put("id", id).put("method", "Runtime.evaluate");
    cmd.putObject("params").put("expression", expression).put("returnByValue", true)
        .put("awaitPromise", true);
    socket.sendText(json.writeValueAsString(cmd), true).get(30, TimeUnit.SECONDS);
    JsonNode r = reply.get(30, TimeUnit.SECONDS);
    if (r.path("result").has("exceptionDetails")) {
      throw new AssertionError("page threw: " + r.path("result").path("exceptionDetails"));
    }
    return r.path("result").path("result").path("value");
  }

  /** Polls a boolean expression until it is true. */
  void await(String condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!eval("Boolean(" + condition + ")").asBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("page never satisfied: " + condition);
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() throws InterruptedException {
    socket.abort();
    // Chromium's helpers (renderer, zygote, crashpad) outlive the browser process for a moment and
    // still write into the profile; the temp folder can only be deleted once all of them are gone.
    java.util.List<ProcessHandle> helpers = process.descendants().toList();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    for (ProcessHandle h : helpers) {
      h.destroy();
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        h.destroyForcibly();
      }
    }
  }
}
