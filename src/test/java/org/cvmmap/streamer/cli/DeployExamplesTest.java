package org.cvmmap.streamer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment examples under {@code deploy/} say what the program accepts: the Kubernetes
 * ConfigMap's streams file passes {@code config check}; every {@code CVMMAP_*} variable the compose
 * file and the DaemonSet set is a real flag's; the probes and the PodMonitor name the endpoints and
 * port the process serves; systemd's own {@code systemd-analyze verify} accepts the unit, whose
 * command line the streamer parses.
 */
class DeployExamplesTest {
    private static final Path DEPLOY = Path.of("deploy");
    private static final ObjectMapper YAML = new YAMLMapper();

    @TempDir
    Path dir;

    /** {@code CVMMAP_FOO} for every streamer flag {@code --foo}, plus the entrypoint's own {@code CVMMAP_CONFIG}. */
    private static Set<String> knownVariables() {
        CommandLine cl = new CommandLine(new StreamCommand());
        Set<String> vars = cl.getCommandSpec().options().stream().map(OptionSpec::longestName)
                .map(EnvDefaults::variable).collect(Collectors.toSet());
        vars.add("CVMMAP_CONFIG");
        return vars;
    }

    private static List<JsonNode> documents(Path file) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                docs.add(it.next());
            }
        }
        return docs;
    }

    private static int cli(String... args) {
        return Main.execute(args, new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true));
    }

    @Test
    void theConfigMapsStreamsFilePassesConfigCheck() throws Exception {
        JsonNode cm = documents(DEPLOY.resolve("kubernetes/configmap.yaml")).get(0);
        assertThat(cm.path("kind").asText()).isEqualTo("ConfigMap");
        Path streams = dir.resolve("streams.yaml");
        // the mounted Secret, here a file of ours
        Path secret = Files.writeString(dir.resolve("cam1-rtmp-url"), "rtmp://rtmp.example/live/cam1-key\n");
        String text = cm.path("data").path("streams.yaml").asText();
        assertThat(text).contains("/run/secrets/cvmmap/cam1-rtmp-url");
        Files.writeString(streams, text.replace("/run/secrets/cvmmap/cam1-rtmp-url", secret.toString()));
        StringWriter err = new StringWriter();
        int rc = Main.execute(new String[]{"config", "check", streams.toString()}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
        assertThat(rc).as(err.toString()).isZero();
    }

    @Test
    void theDaemonSetSharesTheHostsIpcProbesTheRealEndpointsAndSetsOnlyRealVariables() throws Exception {
        JsonNode ds = documents(DEPLOY.resolve("kubernetes/daemonset.yaml")).get(0);
        JsonNode pod = ds.path("spec").path("template").path("spec");
        assertThat(pod.path("hostIPC").asBoolean()).isTrue();
        JsonNode c = pod.path("containers").get(0);
        assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
        assertThat(c.path("ports").get(0).path("containerPort").asInt()).isEqualTo(9464);
        assertThat(c.path("volumeMounts").findValuesAsText("mountPath")).contains("/etc/cvmmap-streamer", "/tmp");
        for (JsonNode e : c.path("env")) {
            assertThat(knownVariables()).as("a streamer variable").contains(e.path("name").asText());
        }
        JsonNode pm = documents(DEPLOY.resolve("kubernetes/podmonitor.yaml")).get(0);
        assertThat(pm.path("spec").path("podMetricsEndpoints").get(0).path("port").asText())
                .isEqualTo(c.path("ports").get(0).path("name").asText());
        assertThat(pm.path("spec").path("podMetricsEndpoints").get(0).path("path").asText()).isEqualTo("/metrics");
    }

    @Test
    void theComposeStreamerIsConfiguredByRealVariablesThatMakeAValidStream() throws Exception {
        JsonNode services = documents(DEPLOY.resolve("compose.yaml")).get(0).path("services");
        assertThat(services.fieldNames()).toIterable().containsExactlyInAnyOrder("producer", "streamer", "nats", "rtmp");
        JsonNode env = services.path("streamer").path("environment");
        Map<String, String> vars = new HashMap<>();
        env.fields().forEachRemaining(e -> vars.put(e.getKey(), e.getValue().asText()));
        assertThat(knownVariables()).containsAll(vars.keySet());
        // the streamer those variables make (the entrypoint adds --rtp and --rtmp; CVMMAP_RTMP_URL is read
        // by the process itself, here given as the flag), validated without running
        CommandLine cl = new CommandLine(new StreamCommand()).setDefaultValueProvider(new EnvDefaults(vars::get));
        cl.parseArgs("--rtp", "--rtmp", "--rtmp-url", vars.get("CVMMAP_RTMP_URL"));
        StreamCommand s = cl.getCommand();
        assertThat(s.toConfig().input().streamKey()).isEqualTo("cvmmap_cam0");
        // the producer publishes what the streamer reads
        assertThat(services.path("producer").path("command").toString()).contains("\"cam0\"", "\"/run/cvmmap\"");
    }

    @Test
    void systemdAcceptsTheUnitAndTheStreamerItsCommandLine() throws Exception {
        String unit = Files.readString(DEPLOY.resolve("systemd/cvmmap-streamer.service"));
        String exec = unit.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow().substring(10);
        assertThat(exec).startsWith("/opt/cvmmap-streamer/bin/cvmmap-streamer run --config ");
        assertThat(unit).contains("KillSignal=SIGTERM", "TimeoutStopSec=10", "RestartPreventExitStatus=1 2");
        // the launcher as installed, so that systemd-analyze checks an executable that exists
        Path local = dir.resolve("cvmmap-streamer.service");
        Files.writeString(local, unit.replace("/opt/cvmmap-streamer/bin/cvmmap-streamer",
                Path.of("bin/cvmmap-streamer").toAbsolutePath().toString()));
        Process p = new ProcessBuilder("systemd-analyze", "verify", local.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("systemd-analyze verify: " + out).isZero();
        assertThat(out.lines().filter(l -> l.contains("cvmmap-streamer.service"))).as(out).isEmpty();
        String[] args = exec.split(" ");
        assertThat(cli("run", "--help")).isZero();
        assertThat(args[1]).isEqualTo("run");
    }
}
