package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.Streamers;
import org.cvmmap.streamer.util.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code run --config FILE}: two streams in one process, one of which fails (no producer: its idle
 * timeout ends it with 124) while the other streams all its frames with 0 RTP sequence gaps; then
 * {@code config check} and {@code config print} on files with mistakes and secrets.
 */
class RunCommandTest {
    @TempDir
    Path dir;

    private static int run(StringWriter out, StringWriter err, String... args) {
        return Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void aFailingStreamLeavesTheOtherStreamingInTheSameProcess() throws Exception {
        long pid = ProcessHandle.current().pid();
        int port = Streamers.freeUdpPort();
        Path file = dir.resolve("streams.yaml");
        Files.writeString(file, """
                defaults: {codec: h264, status-interval-ms: 0}
                streams:
                  absent: {input-uri: "cvmmap://run-absent-%1$d", rtp: true, rtp-endpoint: "127.0.0.1:%2$d", ingest-idle-timeout-ms: 1500}
                  good: {input-mode: dummy, dummy-label: run-good-%1$d, dummy-width: 320, dummy-height: 240, dummy-frames: 90,
                         rtp: true, rtp-endpoint: "127.0.0.1:%3$d"}
                no-nats: true
                """.formatted(pid, Streamers.freeUdpPort(), port));
        try (java.nio.channels.DatagramChannel rx = java.nio.channels.DatagramChannel.open();
             LogCapture log = LogCapture.open()) {
            rx.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 8 << 20);
            rx.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            int code = run(new StringWriter(), new StringWriter(), "run", "--config", file.toString());
            assertThat(code).as("the first failing stream's exit code, in file order").isEqualTo(ExitCodes.TIMEOUT);
            assertThat(log.lines()).anyMatch(l -> l.contains("event=stream_ended stream=absent") && l.contains("exit_code=124"));
            String exit = log.lines().stream().filter(l -> l.contains("event=exit key=cvmmap_run-good-" + pid + " exit_code=0"))
                    .findFirst().orElseThrow();
            // every frame that came in was encoded or, on a loaded machine, rejected as torn; none
            // dropped. (The built-in producer's very first sync can precede the subscription taking
            // effect - ZeroMQ PUB/SUB - so 89 of 90 may come in: seen once in CI.)
            assertThat(exit).contains("dropped=0");
            long in = Long.parseLong(exit.replaceAll(".*frames_in=(\\d+).*", "$1"));
            long pushed = Long.parseLong(exit.replaceAll(".*frames_pushed=(\\d+).*", "$1"));
            long torn = Long.parseLong(exit.replaceAll(".*torn=(\\d+).*", "$1"));
            assertThat(in).isBetween(85L, 90L);
            assertThat(pushed + torn).isEqualTo(in);
            // every packet the good stream sent is in the socket's buffer once run returned (loopback)
            Streamers.RtpDrain r = Streamers.drainRtp(rx);
            assertThat(r.packets()).isPositive();
            assertThat(r.units()).as("access units (marker bits), one per frame pushed").isEqualTo(pushed);
            assertThat(r.gaps()).as("sequence gaps").isZero();
            assertThat(r.ssrcs()).as("SSRCs").isEqualTo(1);
        }
    }

    @Test
    void checkNamesFileStreamKeyAndValueAndPrintMasksSecrets() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "streams:\n  cam1: {input-mode: dummy, codec: h266, rtp: true, rtp-endpoint: '127.0.0.1:5004'}\n");
        StringWriter err = new StringWriter();
        assertThat(run(new StringWriter(), err, "config", "check", bad.toString())).isEqualTo(ExitCodes.CONFIG);
        assertThat(err.toString()).contains(bad + ": streams.cam1.codec=h266: ");

        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "streams:\n  cam1: {input-mode: dummy, codec: h264, gop: abc, rtp: true, rtp-endpoint: '127.0.0.1:5004'}\n");
        err = new StringWriter();
        assertThat(run(new StringWriter(), err, "config", "check", typo.toString())).isEqualTo(ExitCodes.CONFIG);
        assertThat(err.toString()).contains(typo + ": streams.cam1.gop=abc: ");

        Path twice = dir.resolve("twice.yaml");
        Files.writeString(twice, "defaults: {codec: h264, rtp: true, rtp-endpoint: '127.0.0.1:5004'}\n"
                + "streams:\n  a: {input-uri: cam}\n  b: {input-uri: 'cvmmap://cam'}\n");
        err = new StringWriter();
        assertThat(run(new StringWriter(), err, "config", "check", twice.toString())).isEqualTo(ExitCodes.CONFIG);
        assertThat(err.toString()).contains(twice + ": streams.b=cvmmap_cam: stream a already reads this key");

        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "defaults: {codec: h265}\nstreams:\n"
                + "  cam1: {input-mode: dummy, rtmp: true, rtmp-mode: enhanced, rtmp-url: 'rtmp://h/live/s3cretKey', gop: 10}\n"
                + "nats-url: nats://127.0.0.1:4222\nnats-user: u\nnats-password: s3cretPw\n");
        StringWriter out = new StringWriter();
        err = new StringWriter();
        assertThat(run(out, err, "config", "check", good.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("1 stream(s): cam1");
        out = new StringWriter();
        assertThat(run(out, new StringWriter(), "config", "print", good.toString())).isZero();
        assertThat(out.toString()).contains("cam1:", "codec: \"h265\"", "gop: 10", "queue-size: 1", "rtmp-url: \"***\"",
                "nats-password: \"***\"").doesNotContain("s3cret");
    }

    /**
     * A reload (what SIGHUP does) with stream b removed and c added: b stops cleanly, c starts
     * sending, and a, untouched, goes on with one SSRC, no sequence gap and no timestamp jump.
     */
    @Test
    void aReloadStartsAddedStopsRemovedAndLeavesTheUntouchedStreamAlone() throws Exception {
        long pid = ProcessHandle.current().pid();
        int pa = Streamers.freeUdpPort();
        int pb = Streamers.freeUdpPort();
        Path file = dir.resolve("streams.yaml");
        String common = "defaults: {codec: h264, input-mode: dummy, dummy-width: 160, dummy-height: 120, rtp: true, "
                + "status-interval-ms: 0}\nno-nats: true\nstreams:\n";
        // a: 90 frames (3 s), so that it streams before, across and after the reload whatever the machine's speed
        String a = "  a: {dummy-label: rl-a-" + pid + ", dummy-frames: 90, rtp-endpoint: '127.0.0.1:" + pa + "'}\n";
        Files.writeString(file, common + a + "  b: {dummy-label: rl-b-" + pid + ", rtp-endpoint: '127.0.0.1:" + pb + "'}\n");
        try (java.nio.channels.DatagramChannel rxA = java.nio.channels.DatagramChannel.open();
             java.net.DatagramSocket rxC = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
             LogCapture log = LogCapture.open()) {
            rxA.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 8 << 20);
            rxA.bind(new java.net.InetSocketAddress("127.0.0.1", pa));
            rxC.setSoTimeout(20_000);
            RunCommand cmd = new RunCommand();
            cmd.config = file;
            java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return cmd.call();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_rl-a-" + pid + " ")).isTrue();
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_rl-b-" + pid + " ")).isTrue();
                Files.writeString(file, common + a + "  c: {dummy-label: rl-c-" + pid + ", rtp-endpoint: '127.0.0.1:"
                        + rxC.getLocalPort() + "'}\n");
                cmd.reload();
                assertThat(log.lines()).anyMatch(l -> l.contains("event=stream_ended stream=b") && l.contains("exit_code=0")
                        && l.contains("cause=reload"));
                assertThat(log.lines()).anyMatch(l -> l.contains("event=reload") && l.contains("added=c changed=- removed=b unchanged=1"));
                rxC.receive(new java.net.DatagramPacket(new byte[65536], 65536)); // c sends
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_rl-c-" + pid + " ")).isTrue();
                assertThat(log.await(20_000, "event=exit key=cvmmap_rl-a-" + pid + " exit_code=0")).as("a ran to its end").isTrue();
            } finally {
                cmd.stopAll(); // also when an assertion failed: every stream's SHM and socket go
                assertThat(exit.get(30, java.util.concurrent.TimeUnit.SECONDS)).isZero();
            }
            assertThat(log.lines()).noneMatch(l -> l.contains("key=cvmmap_rl-a-" + pid) && l.contains("event=pipeline_starting")
                    && l.contains("gen=2"));
            Streamers.RtpDrain r = Streamers.drainRtp(rxA);
            String exitA = log.lines().stream().filter(l -> l.contains("event=exit key=cvmmap_rl-a-" + pid + " exit_code=0"))
                    .findFirst().orElseThrow();
            assertThat(r.units()).as("a's access units (marker bits) = its frames pushed")
                    .isEqualTo(Long.parseLong(exitA.replaceAll(".*frames_pushed=(\\d+).*", "$1"))).isGreaterThan(80);
            assertThat(r.gaps()).as("a's sequence gaps").isZero();
            assertThat(r.ssrcs()).as("a's SSRCs").isEqualTo(1);
            assertThat(r.maxStep()).as("a's largest RTP timestamp step, 90 kHz ticks (5 frames at 30 fps: 15,000)").isLessThan(15_000);
        }
    }
}
