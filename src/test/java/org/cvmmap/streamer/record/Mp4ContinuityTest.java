package org.cvmmap.streamer.record;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.support.Peers;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MP4 recordings that survive what the stream goes through (issue 12), judged by Debian's ffprobe
 * decoding every frame: pipeline rebuilds (the encoder's clock starts over) and a producer restart
 * with another picture size (a clean split into NAME.mp4 and NAME.1.mp4, both listed in the status).
 */
class Mp4ContinuityTest {
    @TempDir
    Path dir;

    private static long frames(Path mp4, String size) throws Exception {
        String probe = Peers.countFrames(new ProcessBuilder("ffprobe"), mp4);
        if (size != null) {
            assertThat(probe).as(mp4.toString()).contains("width=" + size.split("x")[0], "height=" + size.split("x")[1]);
        }
        Matcher m = Pattern.compile("nb_read_frames=(\\d+)").matcher(probe);
        assertThat(m.find()).as(mp4 + ": " + probe).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void anMp4SpanningTwoRebuildsPlaysWhole() throws Exception {
        GstRuntime.init();
        Path mp4 = dir.resolve("rebuilds.mp4");
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputMode("dummy")
                .dummyLabel("mp4rb-" + ProcessHandle.current().pid()).dummyWidth(320).dummyHeight(240).dummyFps(30)
                .codec("h264").rtp(true).rtpEndpoint("127.0.0.1:" + Streamers.freeUdpPort()).statusIntervalMs(0)
                .nats(false).recordMp4(mp4).build());
        AtomicReference<CountDownLatch> built = new AtomicReference<>(new CountDownLatch(1));
        AtomicReference<CountDownLatch> units = new AtomicReference<>(new CountDownLatch(30));
        app.addTap((pipeline, gen) -> {
            built.get().countDown();
            pipeline.getElementByName("parse").getStaticPad("src").addProbe(
                    org.freedesktop.gstreamer.PadProbeType.BUFFER, (pad, info) -> {
                        units.get().countDown();
                        return org.freedesktop.gstreamer.PadProbeReturn.OK;
                    });
        });
        CompletableFuture<Integer> exit = Streamers.start(app);
        for (int i = 0; i < 3; i++) {
            assertThat(built.get().await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(units.get().await(20, TimeUnit.SECONDS)).as("30 access units in graph " + (i + 1)).isTrue();
            if (i < 2) {
                built.set(new CountDownLatch(1));
                units.set(new CountDownLatch(30));
                app.requestRestart("test rebuild " + (i + 1));
            }
        }
        app.requestStop("test done");
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        RecorderStatus s = app.recorders().get(Recorder.Format.MP4).status();
        assertThat(app.stats().restarts.get()).isEqualTo(2);
        assertThat(s.error()).isEmpty();
        assertThat(s.framesEncoded()).isGreaterThanOrEqualTo(90);
        assertThat(frames(mp4, "320x240")).as("frames decoded of " + s.framesEncoded() + " written")
                .isEqualTo(s.framesEncoded());
    }

    @Test
    void aPictureSizeChangeSplitsTheMp4AndEveryFilePlaysWhole() throws Exception {
        GstRuntime.init();
        Path mp4 = dir.resolve("sizes.mp4");
        CvmmapTarget target = CvmmapTarget.parse("mp4size-" + ProcessHandle.current().pid());
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputUri(target.instance()).codec("h264")
                .rtp(true).rtpEndpoint("127.0.0.1:" + Streamers.freeUdpPort()).statusIntervalMs(0).nats(false)
                .recordMp4(mp4).build());
        CompletableFuture<Integer> exit = Streamers.start(app);
        for (int[] size : new int[][]{{640, 360, 60}, {320, 240, 60}}) {
            try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, size[0], size[1], 30, size[2]))) {
                p.run(); // then it unlinks its objects: a producer restart with another size
            }
        }
        app.requestStop("test done");
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        RecorderStatus s = app.recorders().get(Recorder.Format.MP4).status();
        assertThat(s.error()).isEmpty();
        assertThat(s.files()).hasSize(2);
        assertThat(s.files().get(1)).endsWith("sizes.1.mp4");
        long first = frames(Path.of(s.files().get(0)), "640x360");
        long second = frames(Path.of(s.files().get(1)), "320x240");
        System.out.printf("size change: %s %d frames, %s %d frames, written %d%n", s.files().get(0), first,
                s.files().get(1), second, s.framesEncoded());
        assertThat(first + second).as("every written frame decodes").isEqualTo(s.framesEncoded());
        assertThat(second).isPositive();
    }

    /**
     * A producer racing ahead (the torn-read scenario) sends frames 0.2 ms apart: with mp4mux's
     * automatic track timescale (3 kHz at 30/1) neighbours got equal timestamps and ffprobe read
     * fewer frames than were written; at 90 kHz, one tick apart at least, every one decodes.
     */
    @Test
    void accessUnitsLessThanAMillisecondApartAllDecode() throws Exception {
        GstRuntime.init();
        java.util.List<byte[]> units = new java.util.ArrayList<>();
        java.util.List<Boolean> keys = new java.util.ArrayList<>();
        org.freedesktop.gstreamer.Pipeline enc = (org.freedesktop.gstreamer.Pipeline) org.freedesktop.gstreamer.Gst.parseLaunch(
                "videotestsrc num-buffers=60 pattern=ball ! video/x-raw,width=160,height=120,framerate=30/1,format=I420"
                + " ! x264enc tune=zerolatency key-int-max=30 ! h264parse"
                + " ! video/x-h264,stream-format=avc,alignment=au ! appsink name=sink sync=false"); // as the hub gives them
        org.freedesktop.gstreamer.elements.AppSink sink = (org.freedesktop.gstreamer.elements.AppSink) enc.getElementByName("sink");
        org.cvmmap.streamer.media.EncodedCaps[] caps = new org.cvmmap.streamer.media.EncodedCaps[1];
        enc.play();
        try {
            org.freedesktop.gstreamer.Sample sample;
            while ((sample = sink.pullSample()) != null) {
                org.freedesktop.gstreamer.Buffer b = sample.getBuffer();
                java.nio.ByteBuffer bb = b.map(false);
                byte[] au = new byte[bb.remaining()];
                bb.get(au);
                b.unmap();
                units.add(au);
                caps[0] = org.cvmmap.streamer.media.EncodedCaps.parse(sample.getCaps().toString());
                keys.add(!b.getFlags().contains(org.freedesktop.gstreamer.BufferFlags.DELTA_UNIT));
                sample.dispose();
            }
        } finally {
            enc.stop();
            sink.dispose();
            enc.dispose();
        }
        assertThat(units).hasSize(60);
        Path mp4 = dir.resolve("dense.mp4");
        try (org.cvmmap.streamer.util.ExclusiveFile file = org.cvmmap.streamer.util.ExclusiveFile.create(mp4, null)) {
            Mp4FileSink out = new Mp4FileSink(file, org.cvmmap.streamer.media.Codec.H264);
            for (int i = 0; i < units.size(); i++) {
                long t = i * 200_000L; // 0.2 ms apart
                out.write(new org.cvmmap.streamer.media.EncodedUnit(units.get(i), caps[0], t, t, t, keys.get(i)));
            }
            out.finish();
        }
        assertThat(frames(mp4, "160x120")).isEqualTo(60);
        Process probe = new ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "packet=dts", "-of", "csv=p=0", mp4.toString()).redirectErrorStream(true).start();
        long[] dts = new String(probe.getInputStream().readAllBytes()).lines().filter(l -> !l.isBlank())
                .mapToLong(Long::parseLong).toArray();
        assertThat(probe.waitFor()).isZero();
        assertThat(dts).hasSize(60);
        for (int i = 1; i < dts.length; i++) {
            assertThat(dts[i]).as("packet %d's DTS (in the track's timescale) after %d", i, dts[i - 1])
                    .isGreaterThan(dts[i - 1]);
        }
    }
}
