package org.cvmmap.streamer.output.rtp;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The SDP the streamer writes opens and decodes in Debian's FFmpeg 5.1 (ffprobe and ffmpeg). */
class RtpSdpDecodeTest {
    private static final int W = 320;
    private static final int H = 240;

    /** Fraction of pixels in rows [y0, y1) within 48 per channel of the producer's background. */
    private static double backgroundMatch(byte[] rgb, int base, int y0, int y1) {
        long ok = 0;
        long n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = 0; x < W; x++) {
                int[] bgr = DummyProducer.backgroundPixel(x, y, W, H);
                int i = base + (y * W + x) * 3;
                boolean match = Math.abs((rgb[i] & 0xFF) - bgr[2]) <= 48 && Math.abs((rgb[i + 1] & 0xFF) - bgr[1]) <= 48
                        && Math.abs((rgb[i + 2] & 0xFF) - bgr[0]) <= 48;
                ok += match ? 1 : 0;
                n++;
            }
        }
        return (double) ok / n;
    }

    @ParameterizedTest
    @CsvSource({"h264, h264", "h265, hevc"})
    void sdpDecodesInFfprobeAndFfmpeg(String codec, String ffmpegName, @TempDir Path dir) throws Exception {
        int port = Streamers.freeUdpPort();
        Path sdp = dir.resolve("stream.sdp");
        StreamerApp app = new StreamerApp(StreamerConfig.builder()
                .inputMode("dummy").dummyLabel("sdp-" + codec + "-" + ProcessHandle.current().pid())
                .dummyWidth(W).dummyHeight(H).dummyFps(30)
                .codec(codec).rtp(true).rtpEndpoint("127.0.0.1:" + port).rtpSdp(sdp).statusIntervalMs(0).build());
        CompletableFuture<Integer> exit = Streamers.start(app);
        try {
            Streamers.awaitFile(sdp, 10_000);
            Process probe = new ProcessBuilder("ffprobe", "-v", "error", "-protocol_whitelist", "file,udp,rtp",
                    "-show_entries", "stream=codec_name,width,height", "-of", "default=nw=1", sdp.toString())
                    .redirectErrorStream(true).start();
            String probeOut = new String(probe.getInputStream().readAllBytes());
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(probeOut).contains("codec_name=" + ffmpegName).contains("width=320").contains("height=240");

            Path raw = dir.resolve("frames.rgb");
            Process dec = new ProcessBuilder("ffmpeg", "-hide_banner", "-nostdin", "-protocol_whitelist", "file,udp,rtp",
                    "-i", sdp.toString(), "-frames:v", "45", "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", raw.toString())
                    .redirectErrorStream(true).start();
            String decOut = new String(dec.getInputStream().readAllBytes());
            assertThat(dec.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(dec.exitValue()).as(decOut).isZero();
            byte[] all = Files.readAllBytes(raw);
            int frameBytes = W * H * 3;
            assertThat(all.length).isEqualTo(45 * frameBytes);
            // The last frame (well after the first IDR) must show the producer's background: this
            // fails when parameter sets split multi-slice IDRs and FFmpeg conceals half the picture.
            assertThat(backgroundMatch(all, 44 * frameBytes, H / 2, H)).as("bottom half matches").isGreaterThan(0.85);
            assertThat(backgroundMatch(all, 44 * frameBytes, 40, H / 2)).as("top half matches").isGreaterThan(0.85);
            Matcher m = Pattern.compile("frame=\\s*(\\d+)").matcher(decOut);
            int frames = 0;
            while (m.find()) {
                frames = Integer.parseInt(m.group(1));
            }
            assertThat(frames).as(decOut).isEqualTo(45);
            assertThat(decOut).contains("Video: " + ffmpegName);
        } finally {
            app.requestStop("test done");
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(app.stats().encoder()).isEqualTo(codec.equals("h264") ? "x264enc" : "x265enc");
        assertThat(app.stats().torn.get()).isZero();
    }
}
