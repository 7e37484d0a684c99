package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.Streamers;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.PadProbeReturn;
import org.freedesktop.gstreamer.PadProbeType;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Valid frames with odd sizes are encoded, cropped by their last column/row (issue 12: 641×361 BGR
 * made x264 fail at init, 15 rebuilds, exit 6); frames smaller than the encoder takes are counted
 * as invalid and dropped, never a rebuild. A GStreamer decode pipeline on the RTP judges the sizes.
 */
class OddFrameSizeTest {
    private final Map<String, AtomicInteger> decoded = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> wanted = new ConcurrentHashMap<>();

    private Pipeline receiver(int port, String codec) {
        String depay = codec.equals("h264") ? "rtph264depay ! h264parse ! avdec_h264" : "rtph265depay ! h265parse ! avdec_h265";
        Pipeline rx = (Pipeline) Gst.parseLaunch("udpsrc port=" + port + " caps=\"application/x-rtp,media=video,"
                + "clock-rate=90000,encoding-name=" + codec.toUpperCase() + ",payload=96\" ! " + depay
                + " name=dec ! fakesink sync=false");
        rx.getElementByName("dec").getStaticPad("src").addProbe(PadProbeType.BUFFER, (pad, info) -> {
            Caps caps = pad.getCurrentCaps();
            String size = caps.getStructure(0).getInteger("width") + "x" + caps.getStructure(0).getInteger("height");
            decoded.computeIfAbsent(size, k -> new AtomicInteger()).incrementAndGet();
            CountDownLatch l = wanted.get(size);
            if (l != null) {
                l.countDown();
            }
            return PadProbeReturn.OK;
        });
        rx.play();
        return rx;
    }

    /** Runs a producer of width×height until {@code expect} frames of the expected size are decoded. */
    private void produce(CvmmapTarget target, int width, int height, String expect) throws Exception {
        CountDownLatch l = new CountDownLatch(10);
        wanted.put(expect, l);
        try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, width, height, 60, 0))) {
            Thread t = new Thread(p::run);
            t.start();
            assertThat(l.await(20, TimeUnit.SECONDS)).as(width + "x" + height + " decoded as " + expect).isTrue();
            p.stop();
            t.join();
        }
    }

    @Test
    void oddSizesAreCroppedToEvenAndEncodedWithoutARebuild() throws Exception {
        GstRuntime.init();
        int port = Streamers.freeUdpPort();
        CvmmapTarget target = CvmmapTarget.parse("odd-" + ProcessHandle.current().pid());
        Pipeline rx = receiver(port, "h264");
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputUri(target.instance()).codec("h264")
                .rtp(true).rtpEndpoint("127.0.0.1:" + port).statusIntervalMs(0).nats(false).build());
        CompletableFuture<Integer> exit = Streamers.start(app);
        try {
            produce(target, 641, 361, "640x360");
            produce(target, 319, 240, "318x240");
            produce(target, 7, 240, "6x240");
        } finally {
            app.requestStop("test done");
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            rx.setState(State.NULL);
            rx.dispose();
        }
        assertThat(app.stats().restarts.get()).as("no rebuild").isZero();
        assertThat(app.stats().invalid.get()).isZero();
        assertThat(decoded).containsKeys("640x360", "318x240", "6x240");
    }

    @Test
    void framesTooSmallForTheEncoderAreInvalidNotACrashLoop() throws Exception {
        GstRuntime.init();
        int port = Streamers.freeUdpPort();
        CvmmapTarget target = CvmmapTarget.parse("tiny-" + ProcessHandle.current().pid());
        Pipeline rx = receiver(port, "h265");
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputUri(target.instance()).codec("h265")
                .rtp(true).rtpEndpoint("127.0.0.1:" + port).statusIntervalMs(0).nats(false).build());
        CompletableFuture<Integer> exit = Streamers.start(app);
        try (LogCapture log = LogCapture.open()) {
            produce(target, 64, 48, "64x48");
            try (DummyProducer tiny = new DummyProducer(new DummyProducer.Settings(target, 9, 240, 60, 0))) {
                Thread t = new Thread(tiny::run);
                t.start();
                assertThat(log.await(20_000, "event=frame_invalid", "BGR 8x240", "h265 encodes frames of at least 16x16"))
                        .isTrue();
                tiny.stop();
                t.join();
            }
            produce(target, 64, 48, "64x48"); // and the stream goes on
            assertThat(log.count("event=frame_invalid")).as("rate-limited: one line").isEqualTo(1);
        } finally {
            app.requestStop("test done");
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            rx.setState(State.NULL);
            rx.dispose();
        }
        assertThat(app.stats().restarts.get()).as("no rebuild").isZero();
        assertThat(app.stats().invalid.get()).isPositive();
    }
}
