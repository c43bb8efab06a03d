package io.caestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Static checks of deploy/docker (no Docker daemon needed): pinned bases, non-root user, port,
 * entrypoint and JVM flags, and that they agree with what the Helm chart assumes.
 */
class DockerImageTest {

  static final Path ROOT = ExternalTool.projectRoot();
  static final Path DOCKER = ROOT.resolve("deploy/docker");

  /**
   * Instructions with line continuations joined and comments dropped, and each {@code FROM
   * ${ARG}} resolved to the default of its {@code ARG} (what a build without --build-arg uses).
   */
  static List<String> instructions(String dockerfile) throws IOException {
    Map<String, String> args = new java.util.HashMap<>();
    List<String> out = new ArrayList<>();
    for (String i : rawInstructions(dockerfile)) {
      Matcher arg = Pattern.compile("^ARG (\\w+)=(\\S+)$").matcher(i);
      if (arg.matches()) {
        args.put(arg.group(1), arg.group(2));
      }
      Matcher from = Pattern.compile("^FROM \\$\\{(\\w+)}(.*)$").matcher(i);
      out.add(from.matches() && args.containsKey(from.group(1)) ? "FROM " + args.get(from.group(1)) + from.group(2) : i);
    }
    return out;
  }

  static List<String> rawInstructions(String dockerfile) throws IOException {
    String text = Files.readString(DOCKER.resolve(dockerfile));
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : text.split("\n")) {
      String t = line.strip();
      if (t.startsWith("#") || (t.isEmpty() && cur.length() == 0)) {
        continue;
      }
      if (t.endsWith("\\")) {
        cur.append(t, 0, t.length() - 1).append(' ');
      } else {
        cur.append(t);
        if (cur.toString().isBlank()) {
          cur.setLength(0);
          continue;
        }
        out.add(cur.toString().replaceAll("\\s+", " ").strip());
        cur.setLength(0);
      }
    }
    return out;
  }

  static List<String> all(List<String> instructions, String keyword) {
    return instructions.stream().filter(i -> i.startsWith(keyword + " ")).toList();
  }

  static String last(List<String> instructions, String keyword) {
    List<String> found = all(instructions, keyword);
    assertThat(found).as("%s instruction", keyword).isNotEmpty();
    return found.get(found.size() - 1);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> chartValues() throws IOException {
    return new Yaml(new SafeConstructor(new LoaderOptions()))
        .load(Files.readString(ROOT.resolve("helm/cae-stream/values.yaml")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile", "Dockerfile.cuda"})
  void basesArePinnedToAVersionTag(String dockerfile) throws IOException {
    Pattern from = Pattern.compile("^FROM ([^ ]+)(?: AS \\S+)?$");
    for (String f : all(instructions(dockerfile), "FROM")) {
      Matcher m = from.matcher(f);
      assertThat(m.matches()).as(f).isTrue();
      String image = m.group(1);
      assertThat(image).as("%s pins a tag", f).contains(":").doesNotEndWith(":latest");
      String tag = image.substring(image.indexOf(':') + 1);
      assertThat(tag).as("%s: a version, not a floating major tag", f).matches("\\d+\\.\\d+.*");
    }
  }

  /** The build swaps the bases for ones it can make without a registry (ContainerImageIntegrationTest). */
  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile", "Dockerfile.cuda"})
  void everyBaseIsABuildArgumentWithAPinnedDefault(String dockerfile) throws IOException {
    List<String> froms = all(rawInstructions(dockerfile), "FROM");
    assertThat(froms).isNotEmpty().allMatch(f -> f.matches("FROM \\$\\{[A-Z_]+}( AS \\S+)?"));
    assertThat(all(instructions(dockerfile), "FROM")).noneMatch(f -> f.contains("${"));
  }

  @Test
  void cpuImageIsTemurin21JreJammy() throws IOException {
    List<String> i = instructions("Dockerfile");
    assertThat(all(i, "FROM")).singleElement().asString().matches("FROM eclipse-temurin:21\\.[0-9._]+-jre-jammy");
    assertThat(i).contains("COPY target/cae-stream.jar /opt/cae-stream/cae-stream.jar");
    assertThat(i).anyMatch(s -> s.startsWith("COPY models/ "));
  }

  @Test
  void cudaImageMatchesOnnxRuntimeGpu() throws IOException {
    List<String> i = instructions("Dockerfile.cuda");
    String runtimeBase = last(i, "FROM");
    // onnxruntime_gpu 1.29: CUDA 12.x + cuDNN 9 (the cudnn tags of CUDA 12.x ship cuDNN 9).
    assertThat(runtimeBase).matches("FROM nvidia/cuda:12\\.[0-9.]+-cudnn-runtime-ubuntu22\\.04");
    assertThat(i).anyMatch(s -> s.matches("FROM eclipse-temurin:21\\.[0-9._]+-jre-jammy AS jre"));
    assertThat(i).contains("COPY --from=jre /opt/java/openjdk /opt/java/openjdk");
    assertThat(String.join("\n", all(i, "ENV"))).contains("CAE_MODEL_PROVIDER=cuda");
    // The build refuses a jar without the CUDA provider (built without -Pcuda).
    assertThat(String.join("\n", i)).contains("libonnxruntime_providers_cuda.so").contains("-Pcuda");
    assertThat(String.join("\n", all(i, "ENV"))).contains("-Donnxruntime.native.path=/opt/cae-stream/native");
  }

  @SuppressWarnings("unchecked")
  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile", "Dockerfile.cuda"})
  void agreesWithTheHelmChart(String dockerfile) throws IOException {
    List<String> i = instructions(dockerfile);
    Map<String, Object> values = chartValues();
    Map<String, Object> sc = (Map<String, Object>) values.get("containerSecurityContext");
    Map<String, Object> ports = (Map<String, Object>) values.get("containerPorts");

    assertThat(last(i, "USER")).isEqualTo("USER " + sc.get("runAsUser") + ":" + sc.get("runAsGroup"));
    assertThat(all(i, "EXPOSE")).containsExactly("EXPOSE " + ports.get("http"));
    assertThat(last(i, "ENTRYPOINT")).isEqualTo("ENTRYPOINT [\"java\", \"-jar\", \"/opt/cae-stream/cae-stream.jar\"]");
    // The chart passes the same args (it sets them explicitly, so CMD only matters for docker run).
    assertThat(last(i, "CMD")).isEqualTo("CMD [\"serve\", \"--config\", \"" + HelmChartTest.CONFIG_FILE + "\"]");
    assertThat(i).anyMatch(s -> s.startsWith("RUN groupadd --system --gid 10001 ") && s.contains("--uid 10001"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile", "Dockerfile.cuda"})
  void jvmIsContainerAwareAndUsesTmp(String dockerfile) throws IOException {
    String env = String.join("\n", all(instructions(dockerfile), "ENV"));
    assertThat(env)
        .contains("JAVA_TOOL_OPTIONS=")
        .contains("-XX:MaxRAMPercentage=")
        .contains("-XX:+ExitOnOutOfMemoryError")
        .contains("-Djava.io.tmpdir=/tmp");
  }

  @Test
  void defaultPropertiesPutStateWhereTheUserMayWrite() throws IOException {
    String props = Files.readString(DOCKER.resolve("cae-stream.properties"));
    assertThat(props).contains("kafka.state.dir=/var/lib/cae-stream/state");
    assertThat(props.toLowerCase(java.util.Locale.ROOT)).doesNotContain("jaas.config=", "password=");
    for (String f : List.of("Dockerfile", "Dockerfile.cuda")) {
      assertThat(String.join("\n", instructions(f))).contains("chown 10001:10001 /var/lib/cae-stream/state");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile", "Dockerfile.cuda"})
  void buildContextIsOnlyWhatTheImageCopies(String dockerfile) throws IOException {
    List<String> ignore =
        Files.readAllLines(DOCKER.resolve(dockerfile + ".dockerignore")).stream()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();
    assertThat(ignore).first().isEqualTo("*");
    for (String copy : all(instructions(dockerfile), "COPY")) {
      if (copy.contains("--from=")) {
        continue;
      }
      String src = copy.split(" ")[1];
      assertThat(ignore).as("%s is let into the context", src).contains("!" + src);
    }
  }

  @Test
  void readmeHasTheBuildCommands() throws IOException {
    String readme = Files.readString(DOCKER.resolve("README.md"));
    assertThat(readme)
        .contains("./mvnw -B -DskipTests package")
        .contains("./mvnw -B -Pcuda -DskipTests package")
        .contains("docker build -f deploy/docker/Dockerfile -t cae-stream:")
        .contains("docker build -f deploy/docker/Dockerfile.cuda -t cae-stream-cuda:");
  }
}
