package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.support.Peers;
import org.cvmmap.streamer.support.Streamers;
import org.cvmmap.streamer.testers.RtpReceiverTester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code grid} over live producers: three built-in producers (320×240, 160×120, 320×240) into a 2×2 mosaic
 * for 4 s, sent as RTP and written to an MP4 at once. Debian's ffprobe reads the MP4's size and frames;
 * ffmpeg's decoded picture shows the first producer's background gradient in tile 0, pictures in tiles
 * 1 and 2, and black in tile 3 (no fourth input); the RTP receiver counts access units from one SSRC.
 */
class GridLiveTest {
    @TempDir
    Path dir;

    @Test
    void threeLiveProducersMakeATwoByTwoMosaicSentAsRtpAndRecorded() throws Exception {
        long pid = ProcessHandle.current().pid();
        int[][] sizes = {{320, 240}, {160, 120}, {320, 240}};
        List<DummyProducer> producers = new ArrayList<>();
        List<CompletableFuture<Long>> runs = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of("grid"));
        int port = Streamers.freeUdpPort();
        try {
            for (int i = 0; i < sizes.length; i++) {
                String name = "gl" + i + "-" + pid;
                DummyProducer p = new DummyProducer(new DummyProducer.Settings(CvmmapTarget.parse("cvmmap://" + name),
                        sizes[i][0], sizes[i][1], 30, 0));
                producers.add(p);
                runs.add(Streamers.onThread("producer-" + i, p::run));
                args.addAll(List.of("--input", "cvmmap://" + name));
            }
            Path mp4 = dir.resolve("live-grid.mp4");
            Path sdp = dir.resolve("live-grid.sdp");
            args.addAll(List.of("--rtp-endpoint", "127.0.0.1:" + port, "--rtp-sdp", sdp.toString(), "--output",
                    mp4.toString(), "--duration-seconds", "4", "--publish-label", "glmix-" + pid));
            CompletableFuture<RtpReceiverTester.Result> rtp = Streamers.rtpReceiver(port, 12_000);
            StringWriter out = new StringWriter();
            int rc = Main.execute(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(out, true));
            assertThat(rc).as(out.toString()).isZero();
            assertThat(out.toString()).contains("grid live inputs=3 layout=2x2 size=320x240 published_as=glmix-" + pid);
            long published = Long.parseLong(out.toString().replaceAll("(?s).*frames_published=(\\d+).*", "$1"));
            assertThat(published).as("mosaic frames at 30 fps over 4 s").isBetween(80L, 130L);
            assertThat(Files.readString(sdp)).contains("m=video " + port + " RTP/AVP 96", "a=rtpmap:96 H264/90000");
            RtpReceiverTester.Result r = rtp.get(20, TimeUnit.SECONDS);
            assertThat(r.accessUnits()).as("RTP access units").isGreaterThan(60);
            assertThat(r.ssrcChanges()).isZero();

            String probed = Peers.countFrames(new ProcessBuilder("ffprobe"), mp4);
            assertThat(probed).contains("codec_name=h264", "width=320", "height=240");
            int frames = Integer.parseInt(probed.replaceAll("(?s).*nb_read_frames=(\\d+).*", "$1"));
            assertThat(frames).isGreaterThan(60);
            Path raw = dir.resolve("frame.rgb");
            Process ff = new ProcessBuilder("ffmpeg", "-v", "error", "-sseof", "-1", "-i", mp4.toString(), "-frames:v", "1",
                    "-f", "rawvideo", "-pix_fmt", "rgb24", raw.toString()).redirectErrorStream(true).start();
            String ffOut = new String(ff.getInputStream().readAllBytes());
            assertThat(ff.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(ff.exitValue()).as(ffOut).isZero();
            byte[] px = Files.readAllBytes(raw);
            assertThat(px).hasSize(320 * 240 * 3);
            double[] mean = new double[4];
            for (int t = 0; t < 4; t++) {
                long sum = 0;
                int n = 0;
                for (int y = (t / 2) * 120 + 40; y < (t / 2) * 120 + 110; y++) { // below the clock's line of text
                    for (int x = (t % 2) * 160 + 10; x < (t % 2) * 160 + 150; x++) {
                        int o = (y * 320 + x) * 3;
                        sum += (px[o] & 0xff) + (px[o + 1] & 0xff) + (px[o + 2] & 0xff);
                        n += 3;
                    }
                }
                mean[t] = (double) sum / n;
            }
            assertThat(mean[0]).as("tile 0: a picture").isGreaterThan(40);
            assertThat(mean[1]).as("tile 1: a picture").isGreaterThan(40);
            assertThat(mean[2]).as("tile 2: a picture").isGreaterThan(40);
            assertThat(mean[3]).as("tile 3: black, no fourth input").isLessThan(8);
            // tile 0 is the first producer's picture: its background's blue channel (BGR byte 0, x·255/(w−1)) rises
            // left to right across the tile
            int yRow = 100;
            int left = px[(yRow * 320 + 20) * 3 + 2] & 0xff;
            int right = px[(yRow * 320 + 140) * 3 + 2] & 0xff;
            assertThat(right - left).as("tile 0: the producer's left-to-right gradient").isGreaterThan(100);
            assertThat(Files.exists(Path.of("/dev/shm", CvmmapTarget.parse("cvmmap://glmix-" + pid).shmName())))
                    .as("the mosaic's shared memory removed").isFalse();
        } finally {
            producers.forEach(DummyProducer::stop);
            for (CompletableFuture<Long> r : runs) {
                r.get(10, TimeUnit.SECONDS);
            }
            producers.forEach(DummyProducer::close);
        }
    }
}
