package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four streams in one process, three of them hit by a fault at the same time (issue 13, "many
 * streams, one JVM, isolated"): {@code killed} reads an external producer that is SIGKILLed while it
 * streams; {@code stalled} publishes RTMP to a server that accepts the TCP connection and never reads
 * a byte; {@code crashing} has an encode graph that fails every 20 frames (a crash loop of rebuilds);
 * {@code healthy} has no fault. The two streams whose RTP is not the fault ({@code healthy},
 * {@code stalled}) must send every frame they pushed with no RTP sequence gap, one SSRC and no frame
 * dropped: their baseline when alone.
 */
class MultiStreamIsolationTest {
    private static final int FRAMES = 240; // 8 s at 30 fps

    @TempDir
    Path dir;

    @Test
    void threeFaultyStreamsDoNotDisturbTheOthers() throws Exception {
        long pid = ProcessHandle.current().pid();
        String killedLabel = "mi-k-" + pid;
        CvmmapTarget killedTarget = CvmmapTarget.parse("cvmmap://" + killedLabel);
        int pHealthy = Streamers.freeUdpPort();
        int pStalled = Streamers.freeUdpPort();
        Path crashing = dir.resolve("crashing.pipeline");
        Files.writeString(crashing, """
                # x264 behind an identity that fails the graph after 20 frames: rebuilt, fails again
                appsrc name=src format=time is-live=true do-timestamp=true block=true max-buffers=1 caps="${caps}"
                  ! videoconvert ! video/x-raw,format=${encoder_format} ! identity error-after=20 ! ${encoder}
                  ! ${parser} name=parse config-interval=-1 ! ${encoded_caps}
                  ! ${rtp_payloader} name=pay pt=${rtp_payload_type} config-interval=0 mtu=${rtp_mtu}
                  ! udpsink name=rtpsink host=${rtp_host} port=${rtp_port} sync=false async=false
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process producer = null;
        CountDownLatch accepted = new CountDownLatch(1);
        try (ServerSocket stalledServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DatagramChannel rxHealthy = Streamers.rtpSink(pHealthy);
             DatagramChannel rxStalled = Streamers.rtpSink(pStalled);
             LogCapture log = LogCapture.open()) {
            Thread server = new Thread(() -> { // accepts, then never reads: the RTMP handshake never ends
                try (Socket s = stalledServer.accept()) {
                    accepted.countDown();
                    Thread.sleep(Long.MAX_VALUE);
                } catch (Exception e) {
                    // closed at the end of the test
                }
            }, "stalled-rtmp-server");
            server.setDaemon(true);
            server.start();
            producer = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "dummy-producer", "--label", killedLabel, "--width", "160", "--height", "120", "--fps", "30")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("producer.log").toFile()).start();
            // the child JVM takes ~2 s to publish on a loaded machine, as long as "killed"'s idle timeout:
            // the streams start once it publishes (its log line), not before
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(dir.resolve("producer.log")).contains("event=producer_started")) {
                assertThat(producer.isAlive()).as("the external producer runs").isTrue();
                assertThat(System.nanoTime()).as("the external producer started within 30 s").isLessThan(until);
                Thread.sleep(20); // another process's log file: no event to wait on
            }
            Path file = dir.resolve("streams.yaml");
            Files.writeString(file, """
                    defaults: {codec: h264, rtp: true, status-interval-ms: 0, dummy-width: 160, dummy-height: 120}
                    no-nats: true
                    streams:
                      healthy: {input-mode: dummy, dummy-label: mi-h-%1$d, dummy-frames: %2$d, rtp-endpoint: "127.0.0.1:%3$d"}
                      stalled: {input-mode: dummy, dummy-label: mi-s-%1$d, dummy-frames: %2$d, rtp-endpoint: "127.0.0.1:%4$d",
                                rtmp: true, rtmp-url: "rtmp://127.0.0.1:%5$d/live/stalled"}
                      killed: {input-uri: "cvmmap://%6$s", rtp-endpoint: "127.0.0.1:%7$d", ingest-idle-timeout-ms: 2000}
                      crashing: {input-mode: dummy, dummy-label: mi-c-%1$d, dummy-frames: %2$d, rtp-endpoint: "127.0.0.1:%8$d",
                                 pipeline: "%9$s", max-restarts: 1000}
                    """.formatted(pid, FRAMES, pHealthy, pStalled, stalledServer.getLocalPort(), killedLabel,
                    Streamers.freeUdpPort(), Streamers.freeUdpPort(), crashing));
            RunCommand cmd = new RunCommand();
            cmd.config = file;
            CompletableFuture<Integer> exit = Streamers.onThread("run", cmd::call);
            try {
                assertThat(log.await(30_000, "event=encoder_confirmed key=cvmmap_" + killedLabel + " ")).isTrue();
                assertThat(log.await(30_000, "event=encoder_confirmed key=cvmmap_mi-h-" + pid + " ")).isTrue();
                assertThat(accepted.await(30, TimeUnit.SECONDS)).as("the RTMP client connected to the stalled server").isTrue();
                producer.destroyForcibly(); // SIGKILL: no goodbye, its SHM and socket stay behind
                assertThat(producer.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(log.await(30_000, "event=exit key=cvmmap_mi-h-" + pid + " exit_code=0")).isTrue();
                assertThat(log.await(30_000, "event=exit key=cvmmap_mi-s-" + pid + " exit_code=0")).isTrue();
            } finally {
                cmd.stopAll();
                exit.get(60, TimeUnit.SECONDS);
                if (producer != null) {
                    producer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                Files.deleteIfExists(Path.of("/dev/shm", killedTarget.shmName()));
                Files.deleteIfExists(Path.of(killedTarget.ipcPath()));
            }
            // the faults did land
            assertThat(log.lines()).as("killed: no frame after the producer died → idle timeout")
                    .anyMatch(l -> l.contains("event=stream_ended stream=killed") && l.contains("exit_code=124"));
            assertThat(log.lines().stream().filter(l -> l.contains("event=pipeline_error key=cvmmap_mi-c-" + pid)).count())
                    .as("crashing: rebuilt after failing, again and again").isGreaterThanOrEqualTo(2);
            assertThat(log.lines()).as("stalled: the server never answered")
                    .noneMatch(l -> l.contains("event=rtmp_connected key=cvmmap_mi-s-" + pid));
            // the others did not notice
            for (String[] s : new String[][] {{"healthy", "mi-h-" + pid}, {"stalled", "mi-s-" + pid}}) {
                String line = log.lines().stream().filter(l -> l.contains("event=exit key=cvmmap_" + s[1] + " exit_code=0"))
                        .findFirst().orElseThrow();
                long pushed = Long.parseLong(line.replaceAll(".*frames_pushed=(\\d+).*", "$1"));
                assertThat(line).as(s[0] + ": frames dropped").contains("dropped=0");
                Streamers.RtpDrain r = Streamers.drainRtp(s[0].equals("healthy") ? rxHealthy : rxStalled);
                assertThat(r.gaps()).as(s[0] + ": RTP sequence gaps").isZero();
                assertThat(r.ssrcs()).as(s[0] + ": SSRCs").isEqualTo(1);
                assertThat(r.units()).as(s[0] + ": access units sent (marker bits) = frames pushed").isEqualTo(pushed);
                assertThat(pushed).as(s[0] + ": frames pushed").isGreaterThan(FRAMES - 10);
            }
        }
    }
}
