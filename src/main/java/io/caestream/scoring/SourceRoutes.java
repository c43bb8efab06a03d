package io.caestream.scoring;

import io.caestream.config.CaeConfig;
import io.caestream.config.ConfigException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code model.routes}: ordered {@code GLOB=MODEL[;threshold=X][;sensitivity=F]} rules on the
 * source (record key); the first rule that matches decides. In a glob {@code *} matches within a
 * path segment (no {@code /}), {@code **} across segments, {@code ?} one character other than
 * {@code /}; everything else is literal. Parsed once at start-up (and at each reload), so a bad
 * rule stops start-up naming the key.
 */
public final class SourceRoutes {
  /** Longest glob: it may appear in every event (thresholdFrom), whose size is bounded. */
  public static final int MAX_GLOB = 200;

  /**
   * One rule. {@code threshold} (null = the model's) replaces the model's threshold for the
   * sources it matches; {@code sensitivity} (1 = none) then divides it.
   */
  public record Route(String glob, String model, Double threshold, double sensitivity) {
    /** Whether this rule changes the model's threshold. */
    public boolean overridesThreshold() {
      return threshold != null || sensitivity != 1.0;
    }
  }

  private final List<Route> routes;
  private final List<Pattern> patterns;

  private SourceRoutes(List<Route> routes) {
    this.routes = List.copyOf(routes);
    this.patterns = routes.stream().map(r -> regex(r.glob())).toList();
  }

  /** Every source to {@code model}: what a repository of one model needs no rules for. */
  public static SourceRoutes all(String model) {
    return new SourceRoutes(List.of(new Route("**", model, null, 1.0)));
  }

  /**
   * @param models the models the rules may name
   * @throws ConfigException naming {@code model.routes} for a malformed rule or an unknown model
   */
  public static SourceRoutes parse(String text, Collection<String> models) {
    List<Route> out = new ArrayList<>();
    for (String rule : text.split(",")) {
      String r = rule.strip();
      if (r.isEmpty()) {
        continue;
      }
      String[] parts = r.split(";");
      int eq = parts[0].lastIndexOf('=');
      if (eq <= 0 || eq == parts[0].length() - 1) {
        throw bad("rule '" + r + "' is not GLOB=MODEL");
      }
      String glob = parts[0].substring(0, eq).strip();
      String model = parts[0].substring(eq + 1).strip();
      if (glob.length() > MAX_GLOB || glob.chars().anyMatch(Character::isISOControl)) {
        throw bad("rule '" + r + "': a glob is at most " + MAX_GLOB + " characters, without control characters");
      }
      if (!models.contains(model)) {
        throw bad("rule '" + r + "' names model '" + model + "', which is not in the repository " + models);
      }
      Double threshold = null;
      double sensitivity = 1.0;
      for (int i = 1; i < parts.length; i++) {
        String[] kv = parts[i].split("=", 2);
        String k = kv[0].strip();
        double v = kv.length == 2 ? number(r, kv[1].strip()) : Double.NaN;
        if (!(v > 0) || Double.isInfinite(v)) {
          throw bad("rule '" + r + "': " + k + " needs a positive number");
        }
        switch (k) {
          case "threshold" -> threshold = v;
          case "sensitivity" -> sensitivity = v;
          default -> throw bad("rule '" + r + "': unknown option '" + k + "' (threshold, sensitivity)");
        }
      }
      out.add(new Route(glob, model, threshold, sensitivity));
    }
    if (out.isEmpty()) {
      throw bad("no rules");
    }
    return new SourceRoutes(out);
  }

  private static double number(String rule, String v) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw bad("rule '" + rule + "': '" + v + "' is not a number");
    }
  }

  private static ConfigException bad(String why) {
    return new ConfigException(CaeConfig.MODEL_ROUTES, why);
  }

  static Pattern regex(String glob) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        sb.append(".*");
        i++;
      } else if (c == '*') {
        sb.append("[^/]*");
      } else if (c == '?') {
        sb.append("[^/]");
      } else {
        sb.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(sb.toString(), Pattern.DOTALL);
  }

  /** These rules without those not in {@code kept} (whose model is gone). */
  public SourceRoutes only(List<Route> kept) {
    return kept.size() == routes.size() ? this : new SourceRoutes(kept);
  }

  /** The first rule matching {@code source}, if any. */
  public Optional<Route> route(String source) {
    int i = indexOf(source);
    return i < 0 ? Optional.empty() : Optional.of(routes.get(i));
  }

  /** The position of the first rule matching {@code source}, or -1. */
  public int indexOf(String source) {
    for (int i = 0; i < patterns.size(); i++) {
      if (patterns.get(i).matcher(source).matches()) {
        return i;
      }
    }
    return -1;
  }

  public List<Route> routes() {
    return routes;
  }
}
