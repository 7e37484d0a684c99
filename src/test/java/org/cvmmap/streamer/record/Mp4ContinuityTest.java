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
}
