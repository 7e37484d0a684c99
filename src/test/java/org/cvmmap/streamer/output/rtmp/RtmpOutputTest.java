package org.cvmmap.streamer.output.rtmp;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.support.Peers;
import org.cvmmap.streamer.support.Streamers;
import org.cvmmap.streamer.testers.FlvChecker;
import org.cvmmap.streamer.testers.RtmpStubTester;
import org.cvmmap.streamer.testers.RtpReceiverTester;
import org.cvmmap.streamer.util.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streamer's RTMP output end to end: built-in producer → x264/x265 → FLV tags → rtmp2sink →
 * the embedded RTMP server, for each packaging; then the received FLV is checked tag by tag and
 * decoded by a real FFmpeg (Debian's 5.1 for H.264; FFmpeg 8 for both H.265 packagings, which 5.1
 * cannot read).
 */
class RtmpOutputTest {
    private static final int FRAMES = 60;

    private static StreamerConfig.Builder streamer(String codec, String mode, String url, int frames) {
        return StreamerConfig.builder().inputMode("dummy")
                .dummyLabel("rtmp-" + codec + "-" + ProcessHandle.current().pid()).dummyWidth(320).dummyHeight(240)
                .dummyFps(30).dummyFrames(frames).codec(codec).rtmp(true).rtmpUrl(url).rtmpMode(mode)
                .statusIntervalMs(0);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"h264, enhanced, AVC, h264", "h265, enhanced, HEVC_ENHANCED, hevc", "h265, domestic, HEVC_DOMESTIC, hevc"})
    void publishesEachPackagingAndTheServerDecodesIt(String codec, String mode, VideoPackaging packaging,
                                                     String ffCodec, @TempDir Path dir) throws Exception {
        Path dump = dir.resolve("received.flv");
        RtmpStubTester stub = new RtmpStubTester(new RtmpStubTester.Settings(packaging, "127.0.0.1", 0, FRAMES, 30_000, dump));
        AtomicReference<CompletableFuture<Integer>> exit = new AtomicReference<>();
        stub.onListening(port -> exit.set(Streamers.start(new StreamerApp(
                streamer(codec, mode, "rtmp://127.0.0.1:" + port + "/live/secret-key", FRAMES + 30).build()))));
        RtmpStubTester.Result r = stub.run();
        assertThat(exit.get().get(30, TimeUnit.SECONDS)).isEqualTo(ExitCodes.OK);

        assertThat(r.exitCode()).as(r.reason()).isEqualTo(ExitCodes.OK);
        assertThat(r.codedFrames()).isEqualTo(FRAMES);
        assertThat(r.metadataFirst()).as("onMetaData before any video").isTrue();
        assertThat(r.sequenceStarts()).isEqualTo(1);

        FlvChecker.Report check = FlvChecker.check(Files.readAllBytes(dump), packaging);
        assertThat(check.exitCode()).as(check.problem()).isEqualTo(ExitCodes.OK);
        assertThat(check.codedFrames()).isEqualTo(FRAMES);
        assertThat(check.lines().get(0)).contains("onMetaData");
        assertThat(check.lines().get(1)).contains("SEQUENCE_START");
        assertThat(check.lines().get(2)).contains("CODED_FRAME key=true");

        Optional<Path> ff8 = Peers.ffmpeg8();
        ProcessBuilder probe;
        if (packaging == VideoPackaging.AVC) {
            probe = new ProcessBuilder("ffprobe").redirectErrorStream(true);
        } else {
            probe = Peers.ffmpeg8(ff8.orElseThrow(() -> new AssertionError("FFmpeg 8 is not installed: run "
                    + "scripts/peers.sh (Debian's FFmpeg 5.1 cannot read " + packaging + ", so nothing else can judge "
                    + "this stream)")), "ffprobe");
        }
        String out = Peers.countFrames(probe, dump);
        assertThat(out).contains("codec_name=" + ffCodec).contains("width=320").contains("height=240")
                .contains("nb_read_frames=" + FRAMES);
    }

    /**
     * The server goes away mid-stream for 3 s: the publisher reconnects with back-off, the new session
     * starts with onMetaData, the sequence header and a keyframe, and RTP never pauses.
     */
    @Test
    void reconnectsAfterTheServerWasGoneFor3sWhileRtpContinues(@TempDir Path dir) throws Exception {
        int rtpPort = Streamers.freeUdpPort();
        CompletableFuture<RtpReceiverTester.Result> rtpResult = Streamers.rtpReceiver(rtpPort, 13_000);

        RtmpStubTester first = new RtmpStubTester(new RtmpStubTester.Settings(VideoPackaging.AVC, "127.0.0.1", 0, 45,
                20_000, null));
        AtomicReference<StreamerApp> app = new AtomicReference<>();
        AtomicReference<CompletableFuture<Integer>> exit = new AtomicReference<>();
        int[] port = new int[1];
        first.onListening(p -> {
            port[0] = p;
            app.set(new StreamerApp(streamer("h264", null, "rtmp://127.0.0.1:" + p + "/live/secret-key", 330)
                    .rtp(true).rtpEndpoint("127.0.0.1:" + rtpPort).rtmpReconnectMs(100, 800).build()));
            exit.set(Streamers.start(app.get()));
        });
        RtmpStubTester.Result r1 = first.run(); // ends after 45 frames: the server closes the connection
        assertThat(r1.exitCode()).as(r1.reason()).isEqualTo(ExitCodes.OK);
        long goneAt = System.nanoTime();

        Thread.sleep(3_000); // the scenario: no server on that port for 3 s

        Path dump = dir.resolve("second-session.flv");
        RtmpStubTester second = new RtmpStubTester(new RtmpStubTester.Settings(VideoPackaging.AVC, "127.0.0.1", port[0],
                45, 10_000, dump));
        RtmpStubTester.Result r2 = second.run();
        long backAt = goneAt + TimeUnit.SECONDS.toNanos(3);
        assertThat(r2.exitCode()).as(r2.reason()).isEqualTo(ExitCodes.OK);
        assertThat(r2.metadataFirst()).as("second session starts with onMetaData").isTrue();
        assertThat(r2.sequenceStarts()).isEqualTo(1);
        assertThat(TimeUnit.NANOSECONDS.toMillis(r2.firstFrameNanos() - backAt))
                .as("first frame of the new session, ms after the server came back (back-off max 800 ms)")
                .isLessThan(2_000);
        FlvChecker.Report check = FlvChecker.check(Files.readAllBytes(dump), VideoPackaging.AVC);
        assertThat(check.exitCode()).as(check.problem()).isEqualTo(ExitCodes.OK);
        assertThat(check.lines().subList(0, 3)).satisfiesExactly(
                l -> assertThat(l).contains("onMetaData"),
                l -> assertThat(l).contains("SEQUENCE_START"),
                l -> assertThat(l).contains("CODED_FRAME key=true"));

        RtmpPublisher.Stats s = app.get().rtmpStats();
        assertThat(s.published()).isEqualTo(2);
        assertThat(s.sessions()).as("refused attempts while the server was gone").isGreaterThan(2);
        assertThat(exit.get().get(30, TimeUnit.SECONDS)).isEqualTo(ExitCodes.OK);

        RtpReceiverTester.Result rr = rtpResult.get(20, TimeUnit.SECONDS);
        assertThat(rr.gaps()).as("RTP sequence gaps").isZero();
        assertThat(rr.accessUnits()).as("RTP access units of 330 frames").isGreaterThan(300);
        assertThat(rr.maxIntervalMs()).as("longest RTP pause, ms").isLessThan(500);
    }

    /**
     * Sink isolation: a server that accepts the TCP connection and then never answers (a stalled peer)
     * holds back neither ingest nor RTP, the RTMP output drops what it cannot send, and the streamer
     * still stops cleanly.
     */
    @Test
    void stalledServerHoldsBackNeitherIngestNorRtp() throws Exception {
        int rtpPort = Streamers.freeUdpPort();
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.util.List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // never read, never answer
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            }, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
            CompletableFuture<RtpReceiverTester.Result> rtpResult = Streamers.rtpReceiver(rtpPort, 8_000);
            StreamerApp app = new StreamerApp(streamer("h264", null, "rtmp://127.0.0.1:" + silent.getLocalPort()
                    + "/live/secret-key", 150).rtp(true).rtpEndpoint("127.0.0.1:" + rtpPort).build());
            CompletableFuture<Integer> exit = Streamers.start(app);
            assertThat(exit.get(20, TimeUnit.SECONDS)).isEqualTo(ExitCodes.OK);
            RtmpPublisher.Stats s = app.rtmpStats();
            assertThat(s.published()).isZero();
            assertThat(app.stats().framesIn.get()).as("ingest kept going (CONFLATE may merge a sync or two)")
                    .isGreaterThanOrEqualTo(145);
            assertThat(s.dropped()).as("what the stalled server could not take").isPositive();
            RtpReceiverTester.Result rr = rtpResult.get(15, TimeUnit.SECONDS);
            assertThat(rr.gaps()).isZero();
            assertThat(rr.accessUnits()).isGreaterThanOrEqualTo(145);
            assertThat(rr.maxIntervalMs()).isLessThan(500);
            for (java.net.Socket h : held) {
                h.close();
            }
        }
    }
}
