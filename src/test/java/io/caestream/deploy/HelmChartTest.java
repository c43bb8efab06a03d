package io.caestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.caestream.testing.ExternalTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Renders helm/cae-stream with the Helm library (helm-java, no helm binary, no cluster) and checks
 * the manifests: default values, each optional feature switched on, and the values the chart must
 * refuse (schema types, credentials in the ConfigMap, more stream threads than partitions).
 */
class HelmChartTest {

  static final Path ROOT = ExternalTool.projectRoot();
  static final Path CHART = ROOT.resolve("helm/cae-stream");
  static final Path RULES = ROOT.resolve("deploy/prometheus/cae-stream.rules.yaml");
  static final Path DASHBOARD = ROOT.resolve("deploy/grafana/cae-stream.json");
  static final String CONFIG_FILE = "/etc/cae-stream/cae-stream.properties";
  static final String KUBE_VERSION = "1.31.0";

  @TempDir Path tmp;

  // ---------------------------------------------------------------------------------------------
  // Rendering helpers

  /** The rendered manifests of one `helm template`, parsed. */
  record Manifests(List<Map<String, Object>> docs) {

    List<Map<String, Object>> ofKind(String kind) {
      return docs.stream().filter(d -> kind.equals(d.get("kind"))).collect(Collectors.toList());
    }

    Map<String, Object> one(String kind) {
      List<Map<String, Object>> found = ofKind(kind);
      assertThat(found).as("exactly one %s", kind).hasSize(1);
      return found.get(0);
    }

    List<String> kinds() {
      return docs.stream().map(d -> (String) d.get("kind")).sorted().collect(Collectors.toList());
    }

    Map<String, Object> deployment() {
      return one("Deployment");
    }

    Map<String, Object> podSpec() {
      return map(deployment(), "spec", "template", "spec");
    }

    Map<String, Object> container() {
      List<Map<String, Object>> containers = list(podSpec(), "containers");
      assertThat(containers).hasSize(1);
      return containers.get(0);
    }

    /** env name -> EnvVar of the application container. */
    Map<String, Map<String, Object>> env() {
      Map<String, Map<String, Object>> env = new LinkedHashMap<>();
      if (!container().containsKey("env")) {
        return env;
      }
      for (Map<String, Object> e : list(container(), "env")) {
        env.put((String) e.get("name"), e);
      }
      return env;
    }

    /** The application's ConfigMap (the one mounted at /etc/cae-stream). */
    Map<String, Object> appConfigMap() {
      String name = (String) map(volumeNamed("config"), "configMap").get("name");
      return ofKind("ConfigMap").stream()
          .filter(c -> name.equals(map(c, "metadata").get("name")))
          .findFirst()
          .orElseThrow();
    }

    Properties properties() throws IOException {
      Properties p = new Properties();
      p.load(new java.io.StringReader((String) map(appConfigMap(), "data").get("cae-stream.properties")));
      return p;
    }

    Map<String, Object> volumeNamed(String name) {
      return list(podSpec(), "volumes").stream()
          .filter(v -> name.equals(v.get("name")))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    Map<String, Object> mountAt(Map<String, Object> container, String path) {
      return list(container, "volumeMounts").stream()
          .filter(m -> path.equals(m.get("mountPath")))
          .findFirst()
          .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Map<String, Object> m, String... path) {
    Map<String, Object> cur = m;
    for (String p : path) {
      Object next = cur.get(p);
      assertThat(next).as("key %s in %s", p, String.join(".", path)).isInstanceOf(Map.class);
      cur = (Map<String, Object>) next;
    }
    return cur;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Map<String, Object> m, String key) {
    Object v = m.get(key);
    assertThat(v).as("list %s", key).isInstanceOf(List.class);
    return (List<Map<String, Object>>) v;
  }

  static Yaml yaml() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }

  TemplateCommand template() {
    return new Helm(CHART).template().withName("rel").withNamespace("vision").withKubeVersion(KUBE_VERSION);
  }

  /** Renders with the given values files contents (YAML text), in order. */
  Manifests render(String... valuesYaml) throws IOException {
    return parse(renderText(valuesYaml));
  }

  String renderText(String... valuesYaml) throws IOException {
    TemplateCommand t = template();
    int i = 0;
    for (String v : valuesYaml) {
      Path f = tmp.resolve("values-" + (i++) + ".yaml");
      Files.writeString(f, v);
      t = t.withValuesFile(f);
    }
    return t.call();
  }

  @SuppressWarnings("unchecked")
  static Manifests parse(String text) {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object d : yaml().loadAll(text)) {
      if (d != null) {
        docs.add((Map<String, Object>) d);
      }
    }
    return new Manifests(docs);
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void lintStrictPasses() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.getMessages())
        .as("helm lint --strict messages")
        .noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    assertThat(result.isFailed()).isFalse();
  }

  @Nested
  class Defaults {

    @Test
    void rendersOnlyTheCoreResources() throws IOException {
      Manifests m = render();
      assertThat(m.kinds())
          .containsExactly("ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "ServiceAccount");
      assertThat(m.deployment().get("apiVersion")).isEqualTo("apps/v1");
      assertThat(map(m.deployment(), "spec").get("replicas")).isEqualTo(1);
      assertThat(m.container().get("image")).isEqualTo("cae-stream:" + appVersion());
    }

    @Test
    void probesUseTheHealthEndpointsOnTheNamedHttpPort() throws IOException {
      Manifests m = render();
      Map<String, Object> c = m.container();
      assertThat(list(c, "ports")).singleElement().satisfies(p -> {
        assertThat(p.get("name")).isEqualTo("http");
        assertThat(p.get("containerPort")).isEqualTo(9400);
      });
      assertThat(map(c, "livenessProbe", "httpGet")).containsEntry("path", "/health/live").containsEntry("port", "http");
      assertThat(map(c, "readinessProbe", "httpGet")).containsEntry("path", "/health/ready").containsEntry("port", "http");
      assertThat(map(c, "startupProbe", "httpGet")).containsEntry("path", "/health/live").containsEntry("port", "http");
      assertThat(m.properties().getProperty("http.port")).isEqualTo("9400");

      Map<String, Object> svc = m.one("Service");
      assertThat(list(map(svc, "spec"), "ports")).singleElement().satisfies(p -> {
        assertThat(p.get("name")).isEqualTo("http");
        assertThat(p.get("port")).isEqualTo(9400);
        assertThat(p.get("targetPort")).isEqualTo("http");
      });
      Map<String, Object> podLabels = map(m.deployment(), "spec", "template", "metadata", "labels");
      assertThat(podLabels).containsAllEntriesOf(castStrings(map(svc, "spec", "selector")));
    }

    @Test
    void portFollowsContainerPortsHttp() throws IOException {
      Manifests m = render("containerPorts: {http: 9500}\n");
      assertThat(list(m.container(), "ports").get(0).get("containerPort")).isEqualTo(9500);
      assertThat(m.properties().getProperty("http.port")).isEqualTo("9500");
    }

    @Test
    void runsLockedDown() throws IOException {
      Manifests m = render();
      Map<String, Object> pod = map(m.podSpec(), "securityContext");
      assertThat(pod).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", 10001);
      assertThat(map(pod, "seccompProfile")).containsEntry("type", "RuntimeDefault");

      Map<String, Object> c = map(m.container(), "securityContext");
      assertThat(c)
          .containsEntry("runAsNonRoot", true)
          .containsEntry("runAsUser", 10001)
          .containsEntry("readOnlyRootFilesystem", true)
          .containsEntry("allowPrivilegeEscalation", false)
          .containsEntry("privileged", false);
      assertThat(map(c, "capabilities").get("drop")).isEqualTo(List.of("ALL"));
      assertThat(map(c, "seccompProfile")).containsEntry("type", "RuntimeDefault");
      assertThat(m.podSpec()).containsEntry("automountServiceAccountToken", false);
      assertThat(m.podSpec()).as("no service-link env vars in the CAE_* namespace").containsEntry("enableServiceLinks", false);
    }

    @Test
    void writableDirsAreEmptyDirsAndConfigIsMountedReadOnly() throws IOException {
      Manifests m = render();
      Map<String, Object> c = m.container();
      assertThat(m.volumeNamed((String) m.mountAt(c, "/tmp").get("name"))).containsKey("emptyDir");

      String stateDir = m.properties().getProperty("kafka.state.dir");
      assertThat(stateDir).isEqualTo("/var/lib/cae-stream/state");
      assertThat(m.volumeNamed((String) m.mountAt(c, stateDir).get("name"))).containsKey("emptyDir");

      Map<String, Object> config = m.mountAt(c, "/etc/cae-stream");
      assertThat(config).containsEntry("readOnly", true);
      assertThat(map(m.volumeNamed((String) config.get("name")), "configMap")).containsKey("name");
      assertThat(c.get("args")).isEqualTo(List.of("serve", "--config", CONFIG_FILE));
      assertThat(map(m.appConfigMap(), "data")).containsOnlyKeys("cae-stream.properties");
    }

    @Test
    void configMapHoldsTheConfigMapValuesAndChartManagedKeys() throws IOException {
      Properties p = render().properties();
      assertThat(p)
          .containsEntry("application.id", "cae-stream")
          .containsEntry("input.topic", "images")
          .containsEntry("kafka.bootstrap.servers", "kafka:9092")
          .containsEntry("kafka.num.stream.threads", "1")
          .containsEntry("kafka.processing.guarantee", "exactly_once_v2");
    }

    @Test
    void propertiesKeepNumbersPlainAndEscapeBackslashes() throws IOException {
      Properties p =
          render(
                  """
                  config:
                    image.max.bytes: 10485760
                    model.threshold: 0.0101
                    model.provider.fallback: false
                    some.windows.path: 'C:\\models\\cae'
                  """)
              .properties();
      assertThat(p)
          .containsEntry("image.max.bytes", "10485760")
          .containsEntry("model.threshold", "0.0101")
          .containsEntry("model.provider.fallback", "false")
          .containsEntry("some.windows.path", "C:\\models\\cae");
    }

    @Test
    void podsRollWhenTheConfigChanges() throws IOException {
      Manifests a = render();
      Manifests b = render("config: {input.topic: images-line-3}\n");
      String ca = checksum(a);
      String cb = checksum(b);
      assertThat(ca).matches("[0-9a-f]{64}").isNotEqualTo(cb);
      // The checksum is over the rendered properties, so an unrelated value leaves it alone.
      assertThat(checksum(render("service: {annotations: {a: b}}\n"))).isEqualTo(ca);
      String props = (String) map(a.appConfigMap(), "data").get("cae-stream.properties");
      assertThat(ca).isEqualTo(sha256(props.stripTrailing()));
    }

    @Test
    void spreadsPodsAndLeavesTimeToShutDown() throws IOException {
      Manifests m = render();
      Map<String, Object> podLabels = map(m.deployment(), "spec", "template", "metadata", "labels");
      assertThat(list(m.podSpec(), "topologySpreadConstraints")).singleElement().satisfies(t -> {
        assertThat(t.get("topologyKey")).isEqualTo("kubernetes.io/hostname");
        assertThat(podLabels).containsAllEntriesOf(castStrings(map(t, "labelSelector", "matchLabels")));
      });
      // Kafka Streams needs to commit or abort its transaction and leave the group: the grace
      // period covers the application's shutdown.timeout.ms (default 30000) plus 5 s.
      assertThat((Integer) m.podSpec().get("terminationGracePeriodSeconds")).isGreaterThanOrEqualTo(35);
    }

    @Test
    void gracePeriodMustCoverTheApplicationsShutdownTimeout() throws IOException {
      assertThatThrownBy(() -> render("terminationGracePeriodSeconds: 30\n"))
          .hasMessageContaining("terminationGracePeriodSeconds (30 s)")
          .hasMessageContaining("shutdown.timeout.ms (30000 ms");
      assertThatThrownBy(() -> render("config: {shutdown.timeout.ms: 120000}\n"))
          .hasMessageContaining("shutdown.timeout.ms (120000 ms");
      Manifests m = render("terminationGracePeriodSeconds: 130\nconfig: {shutdown.timeout.ms: 120000}\n");
      assertThat(m.podSpec()).containsEntry("terminationGracePeriodSeconds", 130);
      assertThat(m.properties()).containsEntry("shutdown.timeout.ms", "120000");
    }

    @Test
    void disruptionBudgetSelectsThePods() throws IOException {
      Manifests m = render();
      Map<String, Object> pdb = m.one("PodDisruptionBudget");
      assertThat(map(pdb, "spec")).containsEntry("maxUnavailable", 1);
      assertThat(map(m.deployment(), "spec", "template", "metadata", "labels"))
          .containsAllEntriesOf(castStrings(map(pdb, "spec", "selector", "matchLabels")));
      assertThat(render("pdb: {minAvailable: '50%'}\n").one("PodDisruptionBudget").get("spec"))
          .isEqualTo(Map.of("minAvailable", "50%", "selector", map(pdb, "spec", "selector")));
      assertThat(render("pdb: {create: false}\n").ofKind("PodDisruptionBudget")).isEmpty();
    }

    @Test
    void noGpuNoProviderNoModelOverrideByDefault() throws IOException {
      Manifests m = render();
      assertThat(m.env()).doesNotContainKeys("CAE_MODEL_PROVIDER", "CAE_MODEL_PATH");
      assertThat(new Yaml().dump(m.deployment())).doesNotContain("nvidia.com/gpu");
      assertThat(m.podSpec()).doesNotContainKeys("initContainers", "runtimeClassName", "nodeSelector", "tolerations");
    }
  }

  @Nested
  class Gpu {

    @Test
    void gpuSwitchesImageResourcesSchedulingAndProvider() throws IOException {
      Manifests m =
          render(
              """
              gpu:
                enabled: true
                nodeSelector: {nvidia.com/gpu.present: "true"}
                runtimeClassName: nvidia
              nodeSelector: {pool: inference}
              """);
      Map<String, Object> c = m.container();
      assertThat(c.get("image")).isEqualTo("cae-stream-cuda:" + appVersion());
      assertThat(map(c, "resources", "limits")).containsEntry("nvidia.com/gpu", 1).containsEntry("memory", "2Gi");
      assertThat(m.env().get("CAE_MODEL_PROVIDER")).containsEntry("value", "cuda");
      assertThat(map(m.podSpec(), "nodeSelector"))
          .containsEntry("nvidia.com/gpu.present", "true")
          .containsEntry("pool", "inference");
      assertThat(list(m.podSpec(), "tolerations"))
          .anySatisfy(t -> assertThat(t).containsEntry("key", "nvidia.com/gpu").containsEntry("effect", "NoSchedule"));
      assertThat(m.podSpec()).containsEntry("runtimeClassName", "nvidia");
      // Still locked down on a GPU.
      assertThat(map(c, "securityContext")).containsEntry("readOnlyRootFilesystem", true);
    }

    @Test
    void gpuCountProviderAndImageAreConfigurable() throws IOException {
      Manifests m =
          render(
              """
              gpu:
                enabled: true
                count: 2
                provider: tensorrt
                image: {registry: registry.example.com, repository: vision/cae-stream-cuda, tag: "7.1"}
              """);
      assertThat(m.container().get("image")).isEqualTo("registry.example.com/vision/cae-stream-cuda:7.1");
      assertThat(map(m.container(), "resources", "limits")).containsEntry("nvidia.com/gpu", 2);
      assertThat(m.env().get("CAE_MODEL_PROVIDER")).containsEntry("value", "tensorrt");
    }

    @Test
    void providerIsTheChartsBusiness() {
      assertThatThrownBy(() -> render("config: {model.provider: cuda}\n"))
          .hasMessageContaining("config.model.provider")
          .hasMessageContaining("gpu.enabled");
    }
  }

  @Nested
  class Credentials {

    static final String SASL =
        """
        kafka:
          bootstrapServers: kafka-bootstrap.kafka:9093
          auth:
            existingSecret: cae-stream-kafka-user
            secretKeys:
              sasl.jaas.config: sasl.jaas.config
              ssl.truststore.password: truststore-password
        config:
          kafka.security.protocol: SASL_SSL
          kafka.sasl.mechanism: SCRAM-SHA-512
          kafka.ssl.truststore.location: /etc/kafka-tls/ca.p12
        """;

    @Test
    void credentialsComeFromTheSecretAsEnv() throws IOException {
      Manifests m = render(SASL);
      Map<String, Map<String, Object>> env = m.env();
      assertThat(map(env.get("CAE_KAFKA_SASL_JAAS_CONFIG"), "valueFrom", "secretKeyRef"))
          .containsEntry("name", "cae-stream-kafka-user")
          .containsEntry("key", "sasl.jaas.config");
      assertThat(map(env.get("CAE_KAFKA_SSL_TRUSTSTORE_PASSWORD"), "valueFrom", "secretKeyRef"))
          .containsEntry("name", "cae-stream-kafka-user")
          .containsEntry("key", "truststore-password");
      assertThat(m.properties())
          .containsEntry("kafka.security.protocol", "SASL_SSL")
          .containsEntry("kafka.bootstrap.servers", "kafka-bootstrap.kafka:9093");
    }

    @Test
    void noConfigMapHoldsACredential() throws IOException {
      Manifests m =
          render(
              SASL,
              """
              metrics:
                dashboard: {enabled: true}
              """);
      assertThat(m.ofKind("ConfigMap")).hasSizeGreaterThanOrEqualTo(2);
      for (Map<String, Object> cm : m.ofKind("ConfigMap")) {
        for (Map.Entry<String, Object> e : map(cm, "data").entrySet()) {
          String text = (e.getKey() + "\n" + e.getValue()).toLowerCase(java.util.Locale.ROOT);
          assertThat(text).as("ConfigMap %s", e.getKey()).doesNotContain("jaas", "password", "loginmodule");
        }
      }
      assertThat(m.ofKind("Secret")).as("the chart never renders a Secret").isEmpty();
    }

    @Test
    void refusesCredentialsInConfig() {
      assertThatThrownBy(
              () ->
                  render(
                      """
                      config:
                        kafka.sasl.jaas.config: org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";
                      """))
          .hasMessageContaining("config.kafka.sasl.jaas.config")
          .hasMessageContaining("kafka.auth.existingSecret");
      assertThatThrownBy(() -> render("config: {kafka.ssl.key.password: hunter2}\n"))
          .hasMessageContaining("config.kafka.ssl.key.password");
      assertThatThrownBy(
              () -> render("config: {kafka.client.login: 'org.apache.kafka.common.security.plain.PlainLoginModule required;'}\n"))
          .hasMessageContaining("LoginModule");
    }

    @Test
    void aSecretWithoutKeysIsAnError() {
      // Helm merges maps with the defaults: a key is removed by setting it to null.
      assertThatThrownBy(() -> render("kafka: {auth: {existingSecret: s, secretKeys: {sasl.jaas.config: null}}}\n"))
          .hasMessageContaining("kafka.auth.secretKeys");
    }

    @Test
    void chartManagedKeysHaveOneSource() {
      assertThatThrownBy(() -> render("config: {kafka.bootstrap.servers: 'b:9092'}\n"))
          .hasMessageContaining("kafka.bootstrapServers");
      assertThatThrownBy(() -> render("config: {http.port: 9000}\n")).hasMessageContaining("containerPorts.http");
      assertThatThrownBy(() -> render("config: {kafka.state.dir: /data}\n")).hasMessageContaining("stateDir.mountPath");
    }
  }

  @Nested
  class ViewerAccess {

    @Test
    void theViewerIsOffAndOpenAuthIsAbsentByDefault() throws IOException {
      Manifests m = render();
      assertThat(m.properties()).containsEntry("http.viewer.enabled", "false");
      assertThat(m.env()).doesNotContainKeys("CAE_HTTP_AUTH_USER", "CAE_HTTP_AUTH_PASSWORD");
    }

    @Test
    void anEnabledViewerGetsItsBasicAuthFromTheSecret() throws IOException {
      Manifests m = render("http: {viewer: {enabled: true}, auth: {existingSecret: cae-viewer, passwordKey: pw}}\n");
      assertThat(m.properties()).containsEntry("http.viewer.enabled", "true");
      assertThat(map(m.env().get("CAE_HTTP_AUTH_USER"), "valueFrom", "secretKeyRef"))
          .containsEntry("name", "cae-viewer").containsEntry("key", "user");
      assertThat(map(m.env().get("CAE_HTTP_AUTH_PASSWORD"), "valueFrom", "secretKeyRef"))
          .containsEntry("name", "cae-viewer").containsEntry("key", "pw");
      assertThat(m.properties().stringPropertyNames()).noneMatch(k -> k.startsWith("http.auth"));
    }

    @Test
    void viewerKeysHaveOneSource() {
      assertThatThrownBy(() -> render("config: {http.viewer.enabled: true}\n")).hasMessageContaining("set http.viewer.enabled");
      assertThatThrownBy(() -> render("config: {http.auth.user: qa}\n")).hasMessageContaining("http.auth.existingSecret");
      assertThatThrownBy(() -> render("config: {http.auth.password: pw}\n")).hasMessageContaining("config.http.auth.password");
      assertThatThrownBy(() -> render("http: {viewer: {enabled: yes-please}}\n")).hasMessageContaining("/http/viewer/enabled");
    }
  }

  @Nested
  class Monitoring {

    @Test
    void serviceMonitorScrapesMetricsUnderTheJobTheRulesUse() throws IOException {
      Manifests m = render("metrics: {serviceMonitor: {enabled: true, labels: {release: kube-prometheus}}}\n");
      Map<String, Object> sm = m.one("ServiceMonitor");
      assertThat(sm.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
      assertThat(map(sm, "metadata", "labels")).containsEntry("release", "kube-prometheus");
      assertThat(list(map(sm, "spec"), "endpoints")).singleElement().satisfies(e -> {
        assertThat(e.get("port")).isEqualTo("http");
        assertThat(e.get("path")).isEqualTo("/metrics");
      });
      Map<String, Object> svc = m.one("Service");
      Map<String, String> svcLabels = castStrings(map(svc, "metadata", "labels"));
      assertThat(svcLabels).containsAllEntriesOf(castStrings(map(sm, "spec", "selector", "matchLabels")));
      assertThat(list(map(sm, "spec", "namespaceSelector"), "matchNames")).isEqualTo(List.of("vision"));

      // The alert rules and the dashboard select job="cae-stream": the job label the operator
      // derives from the Service (spec.jobLabel) must give that, whatever the release name.
      String jobLabel = (String) map(sm, "spec").get("jobLabel");
      assertThat(svcLabels.get(jobLabel)).isEqualTo("cae-stream");
      if (Files.exists(RULES)) {
        assertThat(Files.readString(RULES)).contains("job=\"cae-stream\"");
      }
    }

    @Test
    void prometheusRuleCarriesTheRulesFileGroupsVerbatim() throws IOException {
      Manifests m = render("metrics: {prometheusRule: {enabled: true, labels: {release: kube-prometheus}}}\n");
      Map<String, Object> rule = m.one("PrometheusRule");
      assertThat(rule.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
      assertThat(map(rule, "metadata", "labels")).containsEntry("release", "kube-prometheus");
      // The chart's copy first (always there), then the original it must equal (ChartFilesTest).
      for (Path source : List.of(CHART.resolve("files/cae-stream.rules.yaml"), RULES)) {
        assertThat(source).as("%s exists", ROOT.relativize(source)).isRegularFile();
        Map<String, Object> original = yaml().load(Files.readString(source));
        assertThat(original.get("groups")).as("groups in %s", source).isInstanceOf(List.class);
        assertThat(map(rule, "spec").get("groups")).as("groups vs %s", source).isEqualTo(original.get("groups"));
      }
    }

    @Test
    void dashboardConfigMapCarriesTheDashboardJsonVerbatim() throws IOException {
      Manifests m = render("metrics: {dashboard: {enabled: true, annotations: {grafana_folder: Vision}}}\n");
      List<Map<String, Object>> dashboards =
          m.ofKind("ConfigMap").stream()
              .filter(c -> map(c, "metadata", "labels").containsKey("grafana_dashboard"))
              .collect(Collectors.toList());
      assertThat(dashboards).hasSize(1);
      Map<String, Object> cm = dashboards.get(0);
      assertThat(map(cm, "metadata", "labels")).containsEntry("grafana_dashboard", "1");
      assertThat(map(cm, "metadata", "annotations")).containsEntry("grafana_folder", "Vision");
      Map<String, Object> data = map(cm, "data");
      assertThat(data).containsOnlyKeys("cae-stream.json");
      String rendered = (String) data.get("cae-stream.json");
      ObjectMapper json = new ObjectMapper();
      // The chart's copy first (always there), then the original it must equal (ChartFilesTest).
      for (Path source : List.of(CHART.resolve("files/cae-stream.json"), DASHBOARD)) {
        assertThat(source).as("%s exists", ROOT.relativize(source)).isRegularFile();
        String original = Files.readString(source);
        assertThat(json.readTree(rendered)).as("parsed, vs %s", source).isEqualTo(json.readTree(original));
        assertThat(rendered).as("byte for byte, vs %s", source).isEqualTo(original);
      }
    }

    @Test
    void monitoringIsOptIn() throws IOException {
      Manifests m = render();
      assertThat(m.ofKind("ServiceMonitor")).isEmpty();
      assertThat(m.ofKind("PrometheusRule")).isEmpty();
      assertThat(m.ofKind("ConfigMap")).hasSize(1);
    }
  }

  @Nested
  class Scaling {

    @Test
    void hpaTakesOverReplicas() throws IOException {
      Manifests m = render("autoscaling: {partitions: 12, hpa: {enabled: true, minReplicas: 2, maxReplicas: 12}}\n");
      Map<String, Object> hpa = m.one("HorizontalPodAutoscaler");
      assertThat(hpa.get("apiVersion")).isEqualTo("autoscaling/v2");
      assertThat(map(hpa, "spec")).containsEntry("minReplicas", 2).containsEntry("maxReplicas", 12);
      assertThat(map(hpa, "spec", "scaleTargetRef"))
          .containsEntry("kind", "Deployment")
          .containsEntry("name", map(m.deployment(), "metadata").get("name"));
      assertThat(map(m.deployment(), "spec")).doesNotContainKey("replicas");
    }

    @Test
    void kedaScalesOnTheLagOfTheApplicationsConsumerGroup() throws IOException {
      Manifests m =
          render(
              """
              kafka: {bootstrapServers: "k1:9092,k2:9092"}
              config:
                application.id: cae-line-3
                input.topic: line-3-images
                kafka.num.stream.threads: 2
              autoscaling:
                partitions: 12
                keda:
                  enabled: true
                  maxReplicaCount: 6
                  lagThreshold: 500
                  authenticationRef: {name: kafka-scram}
                  extraMetadata: {sasl: scram_sha512, tls: enable}
              """);
      Map<String, Object> so = m.one("ScaledObject");
      assertThat(so.get("apiVersion")).isEqualTo("keda.sh/v1alpha1");
      Map<String, Object> spec = map(so, "spec");
      assertThat(spec).containsEntry("maxReplicaCount", 6).containsEntry("minReplicaCount", 1);
      assertThat(map(spec, "scaleTargetRef")).containsEntry("name", map(m.deployment(), "metadata").get("name"));
      Map<String, Object> trigger = list(spec, "triggers").get(0);
      assertThat(trigger.get("type")).isEqualTo("kafka");
      assertThat(map(trigger, "metadata"))
          .containsEntry("bootstrapServers", "k1:9092,k2:9092")
          .containsEntry("consumerGroup", "cae-line-3")
          .containsEntry("topic", "line-3-images")
          .containsEntry("lagThreshold", "500")
          .containsEntry("sasl", "scram_sha512")
          .containsEntry("tls", "enable");
      assertThat(map(trigger, "authenticationRef")).containsEntry("name", "kafka-scram");
      assertThat(map(m.deployment(), "spec")).doesNotContainKey("replicas");
      assertThat(m.ofKind("HorizontalPodAutoscaler")).isEmpty();
      assertThat(m.properties()).containsEntry("application.id", "cae-line-3");
    }

    @Test
    void kedaMaxReplicasAbovePartitionsFails() {
      assertThatThrownBy(() -> render("autoscaling: {partitions: 4, keda: {enabled: true, maxReplicaCount: 5}}\n"))
          .hasMessageContaining("autoscaling.keda.maxReplicaCount (5)")
          .hasMessageContaining("autoscaling.partitions (4)");
    }

    @Test
    void replicasTimesStreamThreadsAbovePartitionsFails() throws IOException {
      String threads = "config: {kafka.num.stream.threads: 2}\n";
      assertThatThrownBy(() -> render(threads, "autoscaling: {partitions: 6, keda: {enabled: true, maxReplicaCount: 4}}\n"))
          .hasMessageContaining("= 8 exceeds autoscaling.partitions (6)");
      assertThatThrownBy(() -> render(threads, "autoscaling: {partitions: 6, hpa: {enabled: true, maxReplicas: 4}}\n"))
          .hasMessageContaining("autoscaling.hpa.maxReplicas");
      assertThatThrownBy(() -> render(threads, "replicaCount: 4\nautoscaling: {partitions: 6}\n"))
          .hasMessageContaining("replicaCount");
      // Exactly at the limit is fine.
      assertThat(render(threads, "autoscaling: {partitions: 8, keda: {enabled: true, maxReplicaCount: 4}}\n").ofKind("ScaledObject"))
          .hasSize(1);
    }

    @Test
    void hpaAndKedaAreExclusive() {
      assertThatThrownBy(() -> render("autoscaling: {hpa: {enabled: true}, keda: {enabled: true}}\n"))
          .hasMessageContaining("exclusive");
    }
  }

  @Nested
  class Model {

    @Test
    void pvcIsMountedReadOnlyAndSetsTheModelPath() throws IOException {
      Manifests m =
          render(
              """
              model:
                volume:
                  type: pvc
                  file: synthetic-surface.onnx
                  pvc: {claimName: cae-models}
              """);
      Map<String, Object> mount = m.mountAt(m.container(), "/var/lib/cae-stream/model");
      assertThat(mount).containsEntry("readOnly", true);
      assertThat(map(m.volumeNamed((String) mount.get("name")), "persistentVolumeClaim"))
          .containsEntry("claimName", "cae-models");
      assertThat(m.env().get("CAE_MODEL_PATH"))
          .containsEntry("value", "/var/lib/cae-stream/model/synthetic-surface.onnx");
      assertThat(m.podSpec()).doesNotContainKey("initContainers");
    }

    @Test
    void aRepositoryFromAConfigMapIsMountedWholeSoItsSymlinkSwapsAreSeen() throws IOException {
      Manifests m =
          render(
              """
              model:
                repository:
                  type: configMap
                  configMap:
                    name: line-models
                    items:
                      - {key: housing.onnx, path: housing/model.onnx}
                      - {key: housing.calibration.json, path: housing/model.calibration.json}
                  routes: "line-1/*=housing"
              http: {admin: {enabled: true}}
              """);
      Map<String, Object> mount = m.mountAt(m.container(), "/var/lib/cae-stream/models");
      assertThat(mount).containsEntry("readOnly", true).doesNotContainKey("subPath");
      Map<String, Object> cm = map(m.volumeNamed((String) mount.get("name")), "configMap");
      assertThat(cm).containsEntry("name", "line-models");
      assertThat(cm.get("items").toString()).contains("housing/model.onnx").contains("housing/model.calibration.json");
      assertThat(m.env().get("CAE_MODEL_REPOSITORY")).containsEntry("value", "/var/lib/cae-stream/models");
      assertThat(m.env().get("CAE_MODEL_ROUTES")).containsEntry("value", "line-1/*=housing");
      assertThat(m.env().get("CAE_MODEL_REPOSITORY_POLL_MS")).containsEntry("value", "5000");
      assertThat(m.env()).doesNotContainKey("CAE_MODEL_PATH");
    }

    @Test
    void aRepositoryFromAPvcNeedsAClaimAndExcludesModelVolume() throws IOException {
      Manifests m = render("model: {repository: {type: pvc, pvc: {claimName: line-models}}}\n");
      Map<String, Object> mount = m.mountAt(m.container(), "/var/lib/cae-stream/models");
      assertThat(map(m.volumeNamed((String) mount.get("name")), "persistentVolumeClaim"))
          .containsEntry("claimName", "line-models");
      assertThatThrownBy(() -> render("model: {repository: {type: pvc}}\n"))
          .hasMessageContaining("model.repository.pvc.claimName");
      assertThatThrownBy(() -> render("model: {repository: {type: pvc, pvc: {claimName: a}}, volume: {type: pvc, pvc: {claimName: b}}}\n"))
          .hasMessageContaining("exclusive");
      assertThatThrownBy(() -> render("config: {model.routes: '*=a'}\n")).hasMessageContaining("model.repository.routes");
    }

    @Test
    void pvcNeedsAClaim() {
      assertThatThrownBy(() -> render("model: {volume: {type: pvc}}\n")).hasMessageContaining("model.volume.pvc.claimName");
    }

    @Test
    void initContainerDownloadsAndChecksTheModelIntoAnEmptyDir() throws IOException {
      String sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
      Manifests m =
          render(
              """
              model:
                volume:
                  type: initContainer
                  initContainer:
                    files:
                      - url: https://models.example.com/cae/v3/model.onnx
                        sha256: %s
                      - url: https://models.example.com/cae/v3/model.calibration.json
              """
                  .formatted(sha));
      List<Map<String, Object>> inits = list(m.podSpec(), "initContainers");
      assertThat(inits).hasSize(1);
      Map<String, Object> init = inits.get(0);
      String script = String.join("\n", castList(init.get("command")));
      assertThat(script)
          .contains("'https://models.example.com/cae/v3/model.onnx'")
          .contains(sha + "  model.onnx.part")
          .contains("sha256sum -c")
          .contains("'https://models.example.com/cae/v3/model.calibration.json'")
          .contains("mv 'model.calibration.json.part' 'model.calibration.json'");
      Map<String, Object> initMount = m.mountAt(init, "/var/lib/cae-stream/model");
      Map<String, Object> appMount = m.mountAt(m.container(), "/var/lib/cae-stream/model");
      assertThat(initMount.get("name")).isEqualTo(appMount.get("name"));
      assertThat(appMount).containsEntry("readOnly", true);
      assertThat(m.volumeNamed((String) appMount.get("name"))).containsKey("emptyDir");
      assertThat(map(init, "securityContext"))
          .containsEntry("readOnlyRootFilesystem", true)
          .containsEntry("runAsNonRoot", true)
          .containsEntry("allowPrivilegeEscalation", false);
      assertThat(m.env().get("CAE_MODEL_PATH")).containsEntry("value", "/var/lib/cae-stream/model/model.onnx");
    }

    @Test
    void initContainerCanRunOwnCommand() throws IOException {
      Manifests m =
          render(
              """
              model:
                volume:
                  type: initContainer
                  initContainer:
                    image: {registry: registry.example.com, repository: vision/cae-models, tag: "2024-11"}
                    command: [cp, -R, /models/., /var/lib/cae-stream/model/]
              """);
      Map<String, Object> init = list(m.podSpec(), "initContainers").get(0);
      assertThat(init.get("image")).isEqualTo("registry.example.com/vision/cae-models:2024-11");
      assertThat(init.get("command")).isEqualTo(List.of("cp", "-R", "/models/.", "/var/lib/cae-stream/model/"));
    }

    @Test
    void initContainerNeedsSomethingToDo() {
      assertThatThrownBy(() -> render("model: {volume: {type: initContainer}}\n"))
          .hasMessageContaining("model.volume.initContainer.files");
    }

    @Test
    void modelPathHasOneSource() {
      assertThatThrownBy(
              () -> render("config: {model.path: /x.onnx}\nmodel: {volume: {type: pvc, pvc: {claimName: m}}}\n"))
          .hasMessageContaining("config.model.path");
    }
  }

  @Nested
  class Schema {

    @Test
    void rejectsAStringReplicaCount() {
      assertThatThrownBy(() -> template().set("replicaCount", "abc").call()).hasMessageContaining("replicaCount");
    }

    @Test
    void rejectsAStringBoolean() {
      assertThatThrownBy(() -> template().set("gpu.enabled", "yes").call()).hasMessageContaining("gpu");
      assertThatThrownBy(() -> render("gpu: {enabled: \"true\"}\n")).hasMessageContaining("/gpu/enabled");
    }

    @Test
    void rejectsOutOfRangeAndUnknownValues() {
      assertThatThrownBy(() -> render("replicaCount: -1\n")).hasMessageContaining("replicaCount");
      assertThatThrownBy(() -> render("gpu: {provider: opencl}\n")).hasMessageContaining("provider");
      assertThatThrownBy(() -> render("autoscaling: {partitions: 0}\n")).hasMessageContaining("partitions");
      assertThatThrownBy(() -> render("replicas: 3\n")).hasMessageContaining("replicas");
      assertThatThrownBy(() -> render("gpu: {enable: true}\n")).hasMessageContaining("enable");
      assertThatThrownBy(() -> render("model: {volume: {type: s3}}\n")).hasMessageContaining("type");
      assertThatThrownBy(() -> render("config: {kafka.num.stream.threads: 0}\n")).hasMessageContaining("kafka.num.stream.threads");
      assertThatThrownBy(() -> render("config: {input.topic: {nested: map}}\n")).hasMessageContaining("input.topic");
    }

    @Test
    void acceptsSetValuesOfTheRightType() throws IOException {
      Manifests m = parse(template().set("replicaCount", 3).set("gpu.enabled", true).call());
      assertThat(map(m.deployment(), "spec")).containsEntry("replicas", 3);
      assertThat(m.env()).containsKey("CAE_MODEL_PROVIDER");
    }
  }

  // ---------------------------------------------------------------------------------------------

  static String checksum(Manifests m) {
    return (String) map(m.deployment(), "spec", "template", "metadata", "annotations").get("checksum/config");
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String appVersion() throws IOException {
    Map<String, Object> chart = yaml().load(Files.readString(CHART.resolve("Chart.yaml")));
    return Objects.toString(chart.get("appVersion"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> castStrings(Map<String, Object> m) {
    return (Map<String, String>) (Map<String, ?>) m;
  }

  @SuppressWarnings("unchecked")
  static List<String> castList(Object o) {
    return (List<String>) o;
  }
}
