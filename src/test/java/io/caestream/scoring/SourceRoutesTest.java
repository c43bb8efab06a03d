package io.caestream.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourceRoutesTest {
  private static final List<String> MODELS = List.of("housing-top", "gasket", "default");
  private final SourceRoutes routes = SourceRoutes.parse(
      "line-1/cam-*=housing-top, line-2/**=gasket;threshold=0.02, line-?/x=default;sensitivity=2", MODELS);

  private String model(String source) {
    return routes.route(source).map(SourceRoutes.Route::model).orElse(null);
  }

  @Test
  void starStaysInASegmentDoubleStarCrossesThem() {
    assertThat(model("line-1/cam-7")).isEqualTo("housing-top");
    assertThat(model("line-1/cam-")).isEqualTo("housing-top");
    assertThat(model("line-1/cam-7/left")).as("* does not cross /").isNull();
    assertThat(model("line-2/a/b/c")).isEqualTo("gasket");
    assertThat(model("line-3/x")).isEqualTo("default");
    assertThat(model("line-33/x")).as("? is one character").isNull();
    assertThat(model("line-1.cam-7")).as("characters other than * and ? are literal").isNull();
  }

  @Test
  void theFirstMatchingRuleDecides() {
    SourceRoutes r = SourceRoutes.parse("a/special=gasket,a/*=housing-top,*=default", MODELS);
    assertThat(r.route("a/special").orElseThrow().model()).isEqualTo("gasket");
    assertThat(r.route("a/other").orElseThrow().model()).isEqualTo("housing-top");
    assertThat(r.route("b").orElseThrow().model()).isEqualTo("default");
    assertThat(r.indexOf("b/c")).isEqualTo(-1);
  }

  @Test
  void optionsAreReadPerRule() {
    assertThat(routes.routes().get(0).overridesThreshold()).isFalse();
    assertThat(routes.routes().get(1).threshold()).isEqualTo(0.02);
    assertThat(routes.routes().get(2).sensitivity()).isEqualTo(2.0);
    assertThat(routes.routes().get(2).overridesThreshold()).isTrue();
  }

  @Test
  void badRulesNameTheKey() {
    for (String bad : new String[] {"line-1=nosuch", "line-1", "=gasket", "a=gasket;threshold=-1",
        "a=gasket;threshold=x", "a=gasket;colour=red", " , "}) {
      assertThatThrownBy(() -> SourceRoutes.parse(bad, MODELS)).as(bad).isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(CaeConfig.MODEL_ROUTES + ":");
    }
  }
}
