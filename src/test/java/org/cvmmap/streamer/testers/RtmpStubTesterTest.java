package org.cvmmap.streamer.testers;

import org.cvmmap.streamer.output.rtmp.VideoPackaging;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stub server against a real RTMP client: GStreamer's rtmp2sink (its own RTMP implementation)
 * publishing x264 through flvmux, in a separate gst-launch-1.0 process that each test stops.
 */
class RtmpStubTesterTest {

    private static RtmpStubTester.Result serveGstPublisher(VideoPackaging mode, long threshold, Path dump)
            throws IOException, InterruptedException {
        RtmpStubTester stub = new RtmpStubTester(new RtmpStubTester.Settings(mode, "127.0.0.1", 0, threshold, 20_000, dump));
        AtomicReference<Process> publisher = new AtomicReference<>();
        stub.onListening(port -> {
            try {
                publisher.set(new ProcessBuilder("gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "num-buffers=150",
                        "!", "video/x-raw,width=320,height=240,framerate=30/1", "!", "x264enc", "tune=zerolatency",
                        "key-int-max=30", "!", "h264parse", "!", "flvmux", "streamable=true", "!", "rtmp2sink",
                        "location=rtmp://127.0.0.1:" + port + "/live/key").redirectErrorStream(true).start());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return stub.run();
        } finally {
            Process p = publisher.get();
            if (p != null) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
        }
    }

    @Test
    void countsH264FramesFromRtmp2sinkAndDumpsAPlayableFlv(@TempDir Path dir) throws Exception {
        Path flv = dir.resolve("received.flv");
        RtmpStubTester.Result r = serveGstPublisher(VideoPackaging.AVC, 45, flv);
        assertThat(r.exitCode()).as(r.reason()).isEqualTo(TesterExitCodes.OK);
        assertThat(r.codedFrames()).isEqualTo(45);
        assertThat(r.keyframes()).isGreaterThanOrEqualTo(2);
        assertThat(r.sequenceStarts()).isGreaterThanOrEqualTo(1);
        assertThat(r.metadata()).isTrue();
        Process probe = new ProcessBuilder("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "default=nw=1", flv.toString())
                .redirectErrorStream(true).start();
        String out = new String(probe.getInputStream().readAllBytes());
        assertThat(probe.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("codec_name=h264").contains("width=320").contains("nb_read_frames=45");
    }

    @Test
    void h264AgainstAnHevcModeIsAMismatch() throws Exception {
        RtmpStubTester.Result r = serveGstPublisher(VideoPackaging.HEVC_ENHANCED, 30, null);
        assertThat(r.exitCode()).isEqualTo(TesterExitCodes.MODE_MISMATCH);
        assertThat(r.reason()).contains("packaging AVC received, mode expects HEVC_ENHANCED");
    }

    @Test
    void badHandshakeIsAProtocolError() throws Exception {
        RtmpStubTester stub = new RtmpStubTester(new RtmpStubTester.Settings(VideoPackaging.AVC, "127.0.0.1", 0, 1, 10_000, null));
        stub.onListening(port -> new Thread(() -> {
            try (Socket s = new Socket("127.0.0.1", port); OutputStream o = s.getOutputStream()) {
                o.write(new byte[] {6}); // RTMPE/encrypted version byte: not plain RTMP
                o.write(new byte[1536]);
                o.flush();
                s.getInputStream().read();
            } catch (IOException ignored) {
                // the stub closes on us
            }
        }).start());
        RtmpStubTester.Result r = stub.run();
        assertThat(r.exitCode()).isEqualTo(TesterExitCodes.PROTOCOL);
        assertThat(r.reason()).contains("C0 version 6");
    }

    @Test
    void noPublisherTimesOutWith124() throws Exception {
        RtmpStubTester.Result r = new RtmpStubTester(new RtmpStubTester.Settings(VideoPackaging.AVC, "127.0.0.1", 0, 1, 300,
                null)).run();
        assertThat(r.exitCode()).isEqualTo(TesterExitCodes.TIMEOUT);
    }
}
