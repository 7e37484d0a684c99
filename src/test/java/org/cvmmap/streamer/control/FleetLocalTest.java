package org.cvmmap.streamer.control;

import io.nats.client.KeyValue;
import org.cvmmap.streamer.cli.Main;
import org.cvmmap.streamer.config.NatsConfig;
import org.cvmmap.streamer.control.fleet.FleetFile;
import org.cvmmap.streamer.control.fleet.FleetPlan;
import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.NatsServer;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fleet beside a local streams config on one JetStream nats-server (docs/fleet.md): a process with
 * {@code --config} and {@code --desired-state kv} runs its local stream and a desired one; a desired
 * entry named like the local stream is refused, saying the local one wins, and the local stream is not
 * touched; a write planned at an old revision is refused after someone else's change, naming the key,
 * and overwrites nothing; {@code ctl watch} prints the entries.
 */
class FleetLocalTest {
    @TempDir
    Path dir;

    private static String ctl(int expect, String url, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("ctl", "--nats-url", url));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(rc).as(String.join(" ", args) + "\n" + out + err).isEqualTo(expect);
        return out.toString() + err;
    }

    @Test
    void aLocalStreamWinsOverADesiredOneOfItsNameAndAStaleWriteOverwritesNothing() throws Exception {
        long pid = ProcessHandle.current().pid();
        String host = "host-" + pid;
        try (NatsServer nats = NatsServer.start(List.of("-js", "-sd", dir.resolve("js").toString()), Map.of());
             LogCapture log = LogCapture.open()) {
            Path file = dir.resolve("host.yaml");
            Files.writeString(file, "nats-url: " + nats.url() + "\ninstance-id: " + host + "\nstreams:\n"
                    + "  cam1: {input-mode: dummy, dummy-label: fl1-" + pid + ", dummy-width: 160, dummy-height: 120, codec: h264, "
                    + "rtp: true, rtp-endpoint: '127.0.0.1:" + Streamers.freeUdpPort() + "', status-interval-ms: 0}\n");
            Path fleet = dir.resolve("fleet.yaml");
            Files.writeString(fleet, "defaults: {codec: h264, input-mode: dummy, dummy-width: 160, dummy-height: 120, rtp: true, "
                    + "status-interval-ms: 0}\nhosts:\n  " + host + ": {streams: {"
                    + "cam1: {dummy-label: other-" + pid + ", rtp-endpoint: '127.0.0.1:" + Streamers.freeUdpPort() + "'}, "
                    + "cam2: {dummy-label: fl2-" + pid + ", rtp-endpoint: '127.0.0.1:" + Streamers.freeUdpPort() + "'}}}\n");
            org.cvmmap.streamer.cli.RunCommand cmd = new org.cvmmap.streamer.cli.RunCommand();
            new picocli.CommandLine(cmd).parseArgs("--config", file.toString(), "--desired-state", "kv");
            CompletableFuture<Integer> exit = Streamers.onThread("run", cmd::call);
            try {
                assertThat(log.await(20_000, "event=fleet_watching instance_id=" + host + " ")).isTrue();
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_fl1-" + pid + " ")).isTrue();
                assertThat(ctl(0, nats.url(), "apply", fleet.toString())).contains("create=2");
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_fl2-" + pid + " ")).isTrue();
                assertThat(log.await(20_000, "event=desired_refused stream=cam1", "has a stream of this name, which wins")).isTrue();
                assertThat(log.lines()).noneMatch(l -> l.contains("other-" + pid) && l.contains("event=producer_started"));
                assertThat(log.lines()).noneMatch(l -> l.contains("event=stream_ended stream=cam1"));

                String watched = ctl(0, nats.url(), "watch", "--timeout-ms", "1500");
                assertThat(watched).contains("bucket=cvmmap_streams key=" + host + ".cam2 operation=put");

                // someone else changes cam2 between our read and our write: refused, nothing overwritten
                try (FleetStore store = FleetStore.connect(NatsConfig.of(nats.url(), null, null, null, null, false, null,
                        null, 1000))) {
                    KeyValue kv = store.bucket(FleetStore.DESIRED, null, 1);
                    Map<String, FleetPlan.Current> read = FleetStore.entries(kv, host + ".");
                    FleetPlan plan = FleetPlan.of(Map.of(host, Map.of(host + ".cam2", FleetFile.canonical(
                            new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"gop\":5}")))), read);
                    long theirs = kv.put(host + ".cam2", read.get(host + ".cam2").document());
                    assertThatThrownBy(() -> FleetStore.apply(kv, plan)).isInstanceOf(FleetStore.ConcurrentChangeException.class)
                            .hasMessageContaining(host + ".cam2 changed since it was read at revision "
                                    + read.get(host + ".cam2").revision());
                    assertThat(kv.get(host + ".cam2").getRevision()).isEqualTo(theirs);
                    assertThat(new String(kv.get(host + ".cam2").getValue(), StandardCharsets.UTF_8)).doesNotContain("\"gop\":5");
                }
            } finally {
                cmd.stopAll();
                assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            }
        }
    }
}
