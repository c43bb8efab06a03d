package io.caestream.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caestream.config.CaeConfig;
import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live anomaly viewer ({@code /}) rendered by a real headless Chromium against a running
 * scorer that has published anomalies. The camera images are 128x128 and the bundled model's input
 * is 64x64: regions arrive in the frame's pixels, so the boxes are placed in % of the frame, and
 * each card overlays the image's heatmap, which a checkbox hides and a slider fades.
 */
class ViewerIntegrationTest {
  static final int IMAGES = 60;
  static final int IMAGE_SIZE = 128;
  private static final Pattern CARD = Pattern.compile("<div class=\"card\">");
  private static final Pattern SCORE = Pattern.compile("<span class=\"score\">score ([0-9.eE+-]+)</span>");
  private static final Pattern BOX = Pattern.compile("<div class=\"box\"[^>]*style=\"([^\"]*)\"");
  private static final Pattern STYLE = Pattern.compile("(left|top|width|height):\\s*([0-9.]+)%");

  private final ObjectMapper json = new ObjectMapper();

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void viewerShowsAnomalyCardsWithRegionBoxesInFramePixelsAndHeatmaps(@TempDir Path tmp) throws Exception {
    Path chromium = ExternalTool.require("chromium");
    try (RunningScorer scorer = RunningScorer.start(Map.of(CaeConfig.HTTP_VIEWER_ENABLED, "true"))) {
      scorer.awaitReady(Duration.ofSeconds(60));
      int modelSize = scorer.app.engine().scorer().inputSpec().width();
      assertThat(modelSize).as("this test needs images larger than the model input").isLessThan(IMAGE_SIZE);
      scorer.feed(IMAGES, IMAGE_SIZE, 0, 0.5, 0);
      RunningScorer.awaitTrue(IMAGES + " images scored", Duration.ofSeconds(90), () -> scorer.processed() >= IMAGES);

      JsonNode items = json.readTree(scorer.get("/api/anomalies").body());
      assertThat(items).as("anomalies among %d images, half of them defective", IMAGES).isNotEmpty();
      JsonNode first = items.get(0);
      assertThat(first.path("width").asInt()).isEqualTo(IMAGE_SIZE);
      assertThat(first.path("height").asInt()).isEqualTo(IMAGE_SIZE);
      assertThat(pngWidth(Base64.getDecoder().decode(first.path("image").asText()))).isEqualTo(IMAGE_SIZE);
      for (JsonNode item : items) {
        assertThat(item.path("event").path("region").isObject()).as("anomaly event has a region: %s", item.path("event")).isTrue();
        assertThat(item.path("event").path("regions").size()).isBetween(1, 5);
        assertThat(pngWidth(Base64.getDecoder().decode(item.path("heatmap").asText())))
            .as("heatmap of the resized image: the model input's size").isEqualTo(modelSize);
      }

      String dom = dumpDom(chromium, tmp, scorer.url("/"));

      List<String> cards = cards(dom);
      assertThat(cards).as("one card per anomaly in the rendered DOM:%n%s", readable(dom)).hasSize(items.size());
      String card = cards.get(0);
      Matcher score = SCORE.matcher(card);
      assertThat(score.find()).as("score text in %s", readable(card)).isTrue();
      double shownScore = Double.parseDouble(score.group(1));
      double score0 = first.path("event").path("score").asDouble();
      assertThat(shownScore).isCloseTo(score0, within(score0 * 0.006));
      assertThat(card).contains("threshold").contains(first.path("event").path("source").asText())
          .contains(first.path("event").path("imageId").asText()).contains("<img")
          .contains("class=\"heat\"");

      // Every card's first box is its worst region, in % of the frame.
      for (int i = 0; i < cards.size(); i++) {
        JsonNode item = items.get(i);
        JsonNode region = item.path("event").path("region");
        String c = cards.get(i);
        assertThat(c).as("card %d is %s", i, item.path("event").path("imageId")).contains(item.path("event").path("imageId").asText());
        Matcher box = BOX.matcher(c);
        assertThat(box.find()).as(".box region element in card %d: %s", i, readable(c)).isTrue();
        Map<String, Double> style = new HashMap<>();
        Matcher m = STYLE.matcher(box.group(1));
        while (m.find()) {
          style.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        double w = item.path("width").asDouble();
        double h = item.path("height").asDouble();
        assertThat(style).as("box style %s", box.group(1)).containsOnlyKeys("left", "top", "width", "height");
        assertThat(style.get("left")).as("left of %s", region).isCloseTo(100 * region.path("x").asDouble() / w, within(0.01));
        assertThat(style.get("top")).as("top of %s", region).isCloseTo(100 * region.path("y").asDouble() / h, within(0.01));
        assertThat(style.get("width")).as("width of %s", region).isCloseTo(100 * region.path("width").asDouble() / w, within(0.01));
        assertThat(style.get("height")).as("height of %s", region).isCloseTo(100 * region.path("height").asDouble() / h, within(0.01));
        assertThat(style.get("left") + style.get("width")).as("box inside the image").isLessThanOrEqualTo(100.01);
        assertThat(style.get("top") + style.get("height")).as("box inside the image").isLessThanOrEqualTo(100.01);
      }
    }
  }

  /**
   * Record keys and image ids come from whoever produces to the input topic: the viewer must show
   * them as text, never as markup. Served from a bare HttpEndpoints with hand-made events.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void eventTextIsShownAsTextNotMarkup(@TempDir Path tmp) throws Exception {
    Path chromium = ExternalTool.require("chromium");
    RecentAnomalies recent = new RecentAnomalies(4);
    var event = json.createObjectNode()
        .put("imageId", "<b class=\"injected\">id</b>")
        .put("source", "<img class=\"injected\" src=x onerror=\"document.body.className='pwned'\">")
        .put("score", 0.0421).put("threshold", 0.0101).put("anomalous", true);
    event.putObject("region").put("x", 16).put("y", 32).put("width", 8).put("height", 4).put("areaPct", 0.8);
    byte[] png = new io.caestream.dataset.GreyImage(100, 50, new float[100 * 50]).toPng();
    recent.add(json.writeValueAsBytes(event), png, 100, 50, null);
    Health up = new Health() {
      @Override
      public boolean live() {
        return true;
      }

      @Override
      public boolean ready() {
        return true;
      }

      @Override
      public Map<String, Object> details() {
        return Map.of();
      }
    };
    var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    try (HttpEndpoints http = new HttpEndpoints("127.0.0.1", 0, registry, up, recent, HttpAccess.OPEN)) {
      String dom = dumpDom(chromium, tmp, "http://127.0.0.1:" + http.port() + "/");
      List<String> cards = cards(dom);
      assertThat(cards).hasSize(1);
      assertThat(dom).as("no element made from event text")
          .doesNotContainPattern("<(b|img)[^>]*class=\"injected\"")
          .doesNotContainPattern("<body[^>]*pwned");
      assertThat(cards.get(0)).contains("&lt;b class=\"injected\"&gt;id&lt;/b&gt;").contains("score 0.0421");
      Matcher box = BOX.matcher(cards.get(0));
      assertThat(box.find()).isTrue();
      // A 100x50 frame: the box is placed in % of the frame.
      assertThat(box.group(1)).contains("left: 16%").contains("top: 64%").contains("width: 8%")
          .contains("height: 8%");
    }
  }

  /**
   * The heatmap overlay is there, the checkbox hides and shows it, the slider sets its opacity:
   * clicked and dragged in a real Chromium over the DevTools protocol, read back as the browser
   * computed it.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void heatmapOverlayTogglesAndFades(@TempDir Path tmp) throws Exception {
    Path chromium = ExternalTool.require("chromium");
    RecentAnomalies recent = new RecentAnomalies(4);
    var event = json.createObjectNode().put("imageId", "frame-1").put("source", "line-1/cam-1")
        .put("score", 9.5).put("threshold", 6.3).put("anomalous", true);
    event.putObject("region").put("x", 40).put("y", 20).put("width", 10).put("height", 8).put("areaPct", 0.5);
    event.putArray("regions").addObject().put("x", 40).put("y", 20).put("width", 10).put("height", 8)
        .put("areaPct", 0.5).put("peak", 12.0);
    byte[] image = new io.caestream.dataset.GreyImage(128, 64, new float[128 * 64]).toPng();
    float[] hot = new float[32 * 16];
    hot[5 * 32 + 10] = 1f;
    byte[] heatmap = new io.caestream.dataset.GreyImage(32, 16, hot).toPng();
    recent.add(json.writeValueAsBytes(event), image, 128, 64, heatmap);
    var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    try (HttpEndpoints http = new HttpEndpoints("127.0.0.1", 0, registry, alwaysUp(), recent, HttpAccess.OPEN);
        HeadlessChromium page = HeadlessChromium.open(chromium, tmp.resolve("profile"),
            "http://127.0.0.1:" + http.port() + "/")) {
      page.await("document.querySelector('.card img.heat')", Duration.ofSeconds(30));
      String display = "getComputedStyle(document.querySelector('img.heat')).display";
      assertThat(page.eval("document.querySelector('img.heat').src.startsWith('data:image/png;base64,')")
          .asBoolean()).isTrue();
      assertThat(page.eval(display).asText()).as("overlay shown by default").isNotEqualTo("none");
      page.eval("document.getElementById('heat').click()");
      assertThat(page.eval(display).asText()).as("unticked: overlay hidden").isEqualTo("none");
      page.eval("document.getElementById('heat').click()");
      assertThat(page.eval(display).asText()).as("ticked again: overlay back").isNotEqualTo("none");
      page.eval("(() => { const s = document.getElementById('opacity'); s.value = 20;"
          + " s.dispatchEvent(new Event('input')); })()");
      assertThat(page.eval("getComputedStyle(document.querySelector('img.heat')).opacity").asDouble())
          .isCloseTo(0.2, within(1e-6));
    }
  }

  private static Health alwaysUp() {
    return new Health() {
      @Override
      public boolean live() {
        return true;
      }

      @Override
      public boolean ready() {
        return true;
      }

      @Override
      public Map<String, Object> details() {
        return Map.of();
      }
    };
  }

  /** Renders the page in headless Chromium, letting its scripts run (fetch, render) first. */
  static String dumpDom(Path chromium, Path tmp, String url) throws IOException, InterruptedException {
    Path out = tmp.resolve("dom.html");
    Path err = tmp.resolve("chromium.log");
    List<String> cmd = new ArrayList<>(List.of(chromium.toString(),
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + Files.createDirectories(tmp.resolve("profile")),
        "--virtual-time-budget=5000", "--dump-dom", url));
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    p.getOutputStream().close();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("chromium did not finish in 90 s:\n" + tail(err));
    }
    String dom = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("chromium exit; log:%n%s", tail(err)).isZero();
    assertThat(dom).as("dumped DOM; chromium log:%n%s", tail(err)).contains("id=\"grid\"");
    return dom;
  }

  private static List<String> cards(String dom) {
    List<String> out = new ArrayList<>();
    Matcher m = CARD.matcher(dom);
    List<Integer> starts = new ArrayList<>();
    while (m.find()) {
      starts.add(m.start());
    }
    for (int i = 0; i < starts.size(); i++) {
      out.add(dom.substring(starts.get(i), i + 1 < starts.size() ? starts.get(i + 1) : dom.length()));
    }
    return out;
  }

  /** The DOM without the base64 images, for failure messages. */
  private static String readable(String dom) {
    return dom.replaceAll("base64,[A-Za-z0-9+/=]+", "base64,...");
  }

  private static int pngWidth(byte[] png) {
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    return ByteBuffer.wrap(png, 16, 4).getInt();
  }

  private static String tail(Path f) {
    try {
      String s = Files.readString(f, StandardCharsets.UTF_8);
      return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
