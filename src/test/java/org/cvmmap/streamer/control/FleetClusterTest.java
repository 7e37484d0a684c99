package org.cvmmap.streamer.control;

import org.cvmmap.streamer.cli.Main;
import org.cvmmap.streamer.support.NatsServer;
import org.cvmmap.streamer.support.Peers;
import org.cvmmap.streamer.support.Streamers;
import org.cvmmap.streamer.testers.RtpReceiverTester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fleet on a real cluster (docs/fleet.md): three nats-server processes with JetStream, clustered over
 * loopback routes, and two streamer processes ({@code run --instance-id rig-a|rig-b --desired-state kv},
 * no local config), each stream a built-in producer. Shown: {@code ctl apply} starts each stream on its
 * own instance (RTP access units arrive); changing one entry restarts only that stream; an invalid entry
 * is refused with its reason in the observed state and nothing else changes; deleting an entry stops its
 * stream with a playable recording; one NATS node killed → streams go on and the fleet is controllable;
 * a streamer process SIGKILLed → {@code ctl ls} shows it {@code stale}; started again → it runs its
 * desired streams with no manual step. The times measured are printed (timing goals live in the docs).
 */
class FleetClusterTest {
    @TempDir
    Path dir;

    /** A streamer process whose output lines are kept. */
    private static final class Streamer implements AutoCloseable {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();

        Streamer(String instance, String urls) throws IOException {
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--instance-id", instance,
                    "--desired-state", "kv", "--kv-replicas", "3", "--nats-url", urls).redirectErrorStream(true).start();
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // ended
                }
            }, "streamer-" + instance);
            t.setDaemon(true);
            t.start();
        }

        /** Waits for a line holding every part, after line {@code from}; returns its index. */
        int await(long ms, int from, String... parts) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            while (System.nanoTime() < end) {
                for (int i = from; i < lines.size(); i++) {
                    String l = lines.get(i);
                    if (java.util.Arrays.stream(parts).allMatch(l::contains)) {
                        return i;
                    }
                }
                Thread.sleep(20); // polling the lines the child wrote (its log is the latch)
            }
            throw new AssertionError("no line with " + List.of(parts) + " in " + ms + " ms; last lines:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String ctl(int expect, String urls, String... args) {
        List<String> all = new ArrayList<>(List.of("ctl", "--nats-url", urls, "--kv-replicas", "3", "--timeout-ms", "3000"));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(rc).as(String.join(" ", args) + "\n" + out + err).isEqualTo(expect);
        return out.toString() + err;
    }

    /** Applies until the cluster's JetStream has a leader (a fresh cluster elects one within seconds). */
    private static String applyWhenReady(String urls, Path file) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "";
        while (System.nanoTime() < end) {
            StringWriter out = new StringWriter();
            int rc = Main.execute(new String[]{"ctl", "--nats-url", urls, "--kv-replicas", "3", "apply", file.toString()},
                    new PrintWriter(out, true), new PrintWriter(out, true));
            if (rc == 0) {
                return out.toString();
            }
            last = out.toString();
            Thread.sleep(250); // JetStream meta leader election: no event to wait on from here
        }
        throw new AssertionError("the cluster never took the fleet: " + last);
    }

    @Test
    void aFleetOnAThreeNodeClusterIsAppliedChangedDeletedAndSurvivesANodeAndAProcessLoss() throws Exception {
        long pid = ProcessHandle.current().pid();
        int[] client = {NatsServer.freePort(), NatsServer.freePort(), NatsServer.freePort()};
        int[] route = {NatsServer.freePort(), NatsServer.freePort(), NatsServer.freePort()};
        List<NatsServer> nodes = new ArrayList<>();
        List<Streamer> streamers = new ArrayList<>();
        try (org.cvmmap.streamer.support.LogCapture log = org.cvmmap.streamer.support.LogCapture.open()) {
            for (int i = 0; i < 3; i++) {
                List<String> routes = new ArrayList<>();
                for (int j = 0; j < 3; j++) {
                    if (j != i) {
                        routes.add("nats://127.0.0.1:" + route[j]);
                    }
                }
                nodes.add(NatsServer.on(client[i], List.of("-js", "-sd", dir.resolve("js" + i).toString(), "--server_name",
                        "n" + i, "--cluster_name", "fleet-" + pid, "--cluster", "nats://127.0.0.1:" + route[i], "--routes",
                        String.join(",", routes))));
            }
            String urls = String.join(",", nodes.stream().map(NatsServer::url).toList());
            int portA = Streamers.freeUdpPort();
            int portB = Streamers.freeUdpPort();
            Path mp4 = dir.resolve("cam1.mp4");
            String camA = "fa-" + pid;
            String camB = "fb-" + pid;
            String streamA = "{input-mode: dummy, dummy-label: " + camA + ", dummy-width: 160, dummy-height: 120, rtp: true, "
                    + "rtp-endpoint: '127.0.0.1:" + portA + "', record-mp4: '" + mp4 + "'}";
            String streamB = "{input-mode: dummy, dummy-label: " + camB + ", dummy-width: 160, dummy-height: 120, rtp: true, "
                    + "rtp-endpoint: '127.0.0.1:" + portB + "'";
            Path fleet = dir.resolve("fleet.yaml");
            Files.writeString(fleet, "defaults: {codec: h264, status-interval-ms: 0}\nhosts:\n  rig-a: {streams: {cam1: "
                    + streamA + "}}\n  rig-b: {streams: {cam2: " + streamB + "}}}\n");

            // the processes first: they wait for their desired state
            streamers.add(new Streamer("rig-a", urls));
            streamers.add(new Streamer("rig-b", urls));
            Streamer a = streamers.get(0);
            Streamer b = streamers.get(1);
            a.await(30_000, 0, "event=fleet_watching instance_id=rig-a");
            b.await(30_000, 0, "event=fleet_watching instance_id=rig-b");

            CompletableFuture<RtpReceiverTester.Result> rtpA = Streamers.rtpReceiver(portA, 8_000);
            CompletableFuture<RtpReceiverTester.Result> rtpB = Streamers.rtpReceiver(portB, 8_000);
            long t0 = System.nanoTime();
            String applied = applyWhenReady(urls, fleet);
            long appliedAt = System.nanoTime();
            // the receivers here log their first packet: apply → first RTP packet per host
            assertThat(log.await(20_000, "event=rtp_first_packet port=" + portA + " ")).isTrue();
            long firstRtpA = System.nanoTime();
            assertThat(log.await(20_000, "event=rtp_first_packet port=" + portB + " ")).isTrue();
            long firstRtpB = System.nanoTime();
            assertThat(applied).contains("rig-a.cam1 created", "rig-b.cam2 created", "create=2 update=0 delete=0");
            int aStarted = a.await(20_000, 0, "event=encoder_confirmed key=cvmmap_" + camA);
            int bStarted = b.await(20_000, 0, "event=encoder_confirmed key=cvmmap_" + camB);
            long firstA = System.nanoTime();
            assertThat(a.lines).noneMatch(l -> l.contains(camB));
            assertThat(b.lines).noneMatch(l -> l.contains(camA));
            assertThat(rtpA.get(20, TimeUnit.SECONDS).accessUnits()).as("RTP from rig-a").isGreaterThan(30);
            assertThat(rtpB.get(20, TimeUnit.SECONDS).accessUnits()).as("RTP from rig-b").isGreaterThan(30);
            System.out.printf("fleet: cluster ready + apply %d ms; apply -> first RTP packet rig-a %d ms, rig-b %d ms; "
                    + "both encoders confirmed %d ms%n", (appliedAt - t0) / 1_000_000, (firstRtpA - appliedAt) / 1_000_000,
                    (Math.max(firstRtpB, firstRtpA) - appliedAt) / 1_000_000, (firstA - appliedAt) / 1_000_000);

            // a changed entry restarts only its stream
            Files.writeString(fleet, Files.readString(fleet).replace("rtp-endpoint: '127.0.0.1:" + portB + "'",
                    "rtp-endpoint: '127.0.0.1:" + portB + "', gop: 15"));
            String dry = ctl(0, urls, "apply", fleet.toString(), "--dry-run");
            assertThat(dry).contains("update rig-b.cam2 rev", "same rig-a.cam1", "dry-run");
            long c0 = System.nanoTime();
            assertThat(ctl(0, urls, "apply", fleet.toString())).contains("rig-b.cam2 updated rev");
            b.await(20_000, bStarted + 1, "event=reload", "changed=cam2");
            b.await(20_000, bStarted + 1, "event=encoder_confirmed key=cvmmap_" + camB);
            long changed = System.nanoTime();
            assertThat(a.lines.subList(aStarted, a.lines.size())).noneMatch(l -> l.contains("event=reload"));
            System.out.printf("fleet: entry change -> restarted stream confirmed %d ms%n", (changed - c0) / 1_000_000);

            // an invalid entry is refused with its reason in the observed state; the running stream stays
            Files.writeString(fleet, Files.readString(fleet).replace("gop: 15", "gop: 15, codec: h266"));
            ctl(0, urls, "apply", fleet.toString());
            b.await(20_000, 0, "event=desired_refused stream=cam2", "streams.cam2.codec=h266");
            String ls = ctl(0, urls, "ls");
            assertThat(ls).containsPattern("rig-b +cam2 +\\d+ +running +\\d+ +.*codec=h266");
            Files.writeString(fleet, Files.readString(fleet).replace(", codec: h266", ""));
            ctl(0, urls, "apply", fleet.toString());

            // deleting an entry stops its stream cleanly: the recording plays
            int beforeDelete = a.lines.size();
            assertThat(ctl(0, urls, "delete", "rig-a.cam1")).contains("deleted rig-a.cam1 rev");
            a.await(20_000, beforeDelete, "event=reload", "removed=cam1");
            a.await(20_000, beforeDelete, "event=stream_ended stream=cam1", "exit_code=0");
            assertThat(Peers.countFrames(new ProcessBuilder("ffprobe"), mp4)).contains("codec_name=h264");

            // a node lost: streams go on, the fleet stays controllable
            int bBeforeLoss = b.lines.size();
            nodes.get(0).stop();
            long k0 = System.nanoTime();
            Files.writeString(fleet, Files.readString(fleet).replace("  rig-a: {streams: {cam1: " + streamA + "}}\n", ""));
            String afterLoss = applyWhenReady(String.join(",", nodes.subList(1, 3).stream().map(NatsServer::url).toList()), fleet);
            long controllable = System.nanoTime();
            assertThat(afterLoss).contains("hosts=1");
            assertThat(b.lines.subList(bBeforeLoss, b.lines.size())).noneMatch(l -> l.contains("event=stream_ended stream=cam2"));
            System.out.printf("fleet: node killed -> apply accepted again %d ms%n", (controllable - k0) / 1_000_000);
            String urls2 = String.join(",", nodes.subList(1, 3).stream().map(NatsServer::url).toList());

            // a process killed shows stale within its TTL; started again it runs its desired stream
            b.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            long s0 = System.nanoTime();
            String table = "";
            while (System.nanoTime() - s0 < TimeUnit.SECONDS.toNanos(30)) {
                StringWriter o = new StringWriter();
                Main.execute(new String[]{"ctl", "--nats-url", urls2, "--kv-replicas", "3", "--timeout-ms", "1000", "ls"},
                        new PrintWriter(o, true), new PrintWriter(o, true));
                table = o.toString(); // no stream service may answer discovery now: the fleet table is what counts
                if (table.contains("stale")) {
                    break;
                }
                Thread.sleep(250); // the heartbeat's age is read from the bucket: polled
            }
            long stale = System.nanoTime();
            assertThat(table).containsPattern("rig-b +- +- +stale");
            System.out.printf("fleet: process killed -> ctl ls says stale %d ms (TTL %d ms)%n", (stale - s0) / 1_000_000,
                    FleetAgent.TTL.toMillis());
            Streamer again = new Streamer("rig-b", urls2);
            streamers.add(again);
            long r0 = System.nanoTime();
            again.await(30_000, 0, "event=encoder_confirmed key=cvmmap_" + camB);
            System.out.printf("fleet: restarted process -> its stream confirmed %d ms%n", (System.nanoTime() - r0) / 1_000_000);
        } finally {
            for (Streamer s : streamers) {
                s.close();
            }
            for (NatsServer n : nodes) {
                n.stop();
            }
            // the SIGKILLed process could not remove its built-in producer's SHM object and socket
            for (String label : new String[]{"fa-" + pid, "fb-" + pid}) {
                org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget t = org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget.parse(
                        "cvmmap://" + label);
                Files.deleteIfExists(Path.of("/dev/shm", t.shmName()));
                Files.deleteIfExists(Path.of(t.ipcPath()));
            }
        }
    }
}
