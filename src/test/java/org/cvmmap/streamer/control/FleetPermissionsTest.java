package org.cvmmap.streamer.control;

import org.cvmmap.streamer.cli.Main;
import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.NatsServer;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fleet under the permissions of {@code config/nats-server-fleet.conf} (docs/fleet.md) on a real
 * nats-server with JetStream: a streamer logged in as {@code streamer} (a host file holding only its process
 * keys: {@code run --config host.yaml --desired-state kv}) watches its desired entries and
 * writes its observed state; the {@code operator} applies a fleet file, which starts the stream; the
 * {@code viewer} reads the fleet table but its apply writes nothing; a wrong password is refused.
 */
class FleetPermissionsTest {
    private static final Map<String, String> PASSWORDS = Map.of("CVMMAP_STREAMER_PASSWORD", "streamer-pw-f",
            "CVMMAP_OPERATOR_PASSWORD", "operator-pw-f", "CVMMAP_VIEWER_PASSWORD", "viewer-pw-f",
            "CVMMAP_PRODUCER_PASSWORD", "producer-pw-f");

    @TempDir
    Path dir;

    private static int ctl(StringWriter out, String url, String user, String password, String... args) {
        List<String> all = new ArrayList<>(List.of("ctl", "--nats-url", url, "--nats-user", user, "--nats-password", password));
        all.addAll(List.of(args));
        return Main.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(out, true));
    }

    @Test
    void theOperatorAppliesTheStreamerFollowsAndTheViewerOnlyReads() throws Exception {
        long pid = ProcessHandle.current().pid();
        String host = "perm-" + pid;
        Path conf = Path.of("config", "nats-server-fleet.conf").toAbsolutePath();
        try (NatsServer nats = NatsServer.start(List.of("-c", conf.toString(), "-js", "-sd", dir.resolve("js").toString()),
                PASSWORDS); LogCapture log = LogCapture.open()) {
            org.cvmmap.streamer.cli.RunCommand cmd = new org.cvmmap.streamer.cli.RunCommand();
            Path hostFile = dir.resolve("host.yaml"); // a fleet host's file: process keys only, its streams all desired
            Files.writeString(hostFile, "nats-url: " + nats.url() + "\nnats-user: streamer\nnats-password: streamer-pw-f\n"
                    + "instance-id: " + host + "\n");
            new picocli.CommandLine(cmd).parseArgs("--config", hostFile.toString(), "--desired-state", "kv");
            CompletableFuture<Integer> exit = Streamers.onThread("run", cmd::call);
            try {
                assertThat(log.await(20_000, "event=fleet_watching instance_id=" + host + " ")).isTrue();
                Path fleet = dir.resolve("fleet.yaml");
                Files.writeString(fleet, "hosts:\n  " + host + ": {streams: {cam: {input-mode: dummy, dummy-label: fp-" + pid
                        + ", dummy-width: 160, dummy-height: 120, codec: h264, rtp: true, rtp-endpoint: '127.0.0.1:"
                        + Streamers.freeUdpPort() + "', status-interval-ms: 0}}}\n");

                StringWriter viewer = new StringWriter();
                assertThat(ctl(viewer, nats.url(), "viewer", "viewer-pw-f", "--timeout-ms", "2000", "apply", fleet.toString()))
                        .as(viewer.toString()).isEqualTo(3); // ctl: not permitted
                assertThat(viewer.toString()).contains("NATS does not permit this user",
                        "Permissions Violation for Publish to \"$KV.cvmmap_streams." + host + ".cam\"");
                StringWriter get = new StringWriter();
                assertThat(ctl(get, nats.url(), "viewer", "viewer-pw-f", "get")).as(get.toString()).isZero();
                assertThat(get.toString().strip()).as("the viewer's apply wrote nothing").isEqualTo("{ }");

                StringWriter op = new StringWriter();
                assertThat(ctl(op, nats.url(), "operator", "operator-pw-f", "apply", fleet.toString())).as(op.toString()).isZero();
                assertThat(op.toString()).contains(host + ".cam created");
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_fp-" + pid + " ")).isTrue();

                // the streamer's observed state, read by the viewer
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                String table = "";
                while (System.nanoTime() < end && !table.contains("running")) {
                    StringWriter ls = new StringWriter();
                    ctl(ls, nats.url(), "viewer", "viewer-pw-f", "--timeout-ms", "1000", "ls");
                    table = ls.toString();
                    Thread.sleep(200); // the observed entry is written on the streamer's heartbeat: polled
                }
                assertThat(table).containsPattern(host + " +cam +\\d+ +running +\\d+");
                assertThat(table).containsPattern(host + " +- +- +live");

                StringWriter wrong = new StringWriter();
                assertThat(ctl(wrong, nats.url(), "operator", "not-the-password", "get")).isNotZero();
                assertThat(wrong.toString()).containsIgnoringCase("authorization").doesNotContain("not-the-password");
            } finally {
                cmd.stopAll();
                assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            }
        }
    }
}
