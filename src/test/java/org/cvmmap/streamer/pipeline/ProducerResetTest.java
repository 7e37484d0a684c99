package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.support.Streamers;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.Pad;
import org.freedesktop.gstreamer.PadProbeReturn;
import org.freedesktop.gstreamer.PadProbeType;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A producer restart with a new size and a counter starting over is followed without restarting
 * the streamer or its pipeline: caps renegotiated, keyframe forced, the RTP session (SSRC) kept and
 * RTP timestamps monotonic. The receiver is a GStreamer decode pipeline.
 */
class ProducerResetTest {

    @Test
    void followsRestartWithNewSizeAndResetCounter() throws Exception {
        GstRuntime.init();
        int port = Streamers.freeUdpPort();
        CvmmapTarget target = CvmmapTarget.parse("reset-" + ProcessHandle.current().pid());
        Map<String, AtomicInteger> decodedBySize = new ConcurrentHashMap<>();
        Set<Long> ssrcs = ConcurrentHashMap.newKeySet();
        List<Long> rtpTimestamps = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstSize = new CountDownLatch(10);
        CountDownLatch secondSize = new CountDownLatch(10);

        Pipeline rx = (Pipeline) Gst.parseLaunch("udpsrc name=udp port=" + port
                + " caps=\"application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96\""
                + " ! rtph264depay ! h264parse ! avdec_h264 name=dec ! fakesink sync=false");
        rx.getElementByName("udp").getStaticPad("src").addProbe(PadProbeType.BUFFER, (pad, info) -> {
            Buffer b = info.getBuffer();
            ByteBuffer bb = b.map(false).order(ByteOrder.BIG_ENDIAN); // map() is native order; RTP is big-endian
            if (bb.remaining() >= 12) {
                rtpTimestamps.add(bb.getInt(4) & 0xFFFFFFFFL);
                ssrcs.add(bb.getInt(8) & 0xFFFFFFFFL);
            }
            b.unmap();
            return PadProbeReturn.OK;
        });
        rx.getElementByName("dec").getStaticPad("src").addProbe(PadProbeType.BUFFER, (Pad pad, org.freedesktop.gstreamer.PadProbeInfo info) -> {
            Caps caps = pad.getCurrentCaps();
            String size = caps.getStructure(0).getInteger("width") + "x" + caps.getStructure(0).getInteger("height");
            decodedBySize.computeIfAbsent(size, k -> new AtomicInteger()).incrementAndGet();
            (size.equals("320x240") ? firstSize : secondSize).countDown();
            return PadProbeReturn.OK;
        });
        rx.play();

        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputUri(target.instance()).codec("h264")
                .rtp(true).rtpEndpoint("127.0.0.1:" + port).statusIntervalMs(0).build());
        CompletableFuture<Integer> exit = Streamers.start(app);
        try {
            try (DummyProducer first = new DummyProducer(new DummyProducer.Settings(target, 320, 240, 60, 0))) {
                Thread t = new Thread(first::run);
                t.start();
                assertThat(firstSize.await(20, TimeUnit.SECONDS)).as("decoded 320x240 frames").isTrue();
                first.stop();
                t.join();
            } // unlinks the SHM object and unbinds: the producer is gone
            try (DummyProducer second = new DummyProducer(new DummyProducer.Settings(target, 160, 120, 60, 0))) {
                Thread t = new Thread(second::run); // counts from 1 again
                t.start();
                assertThat(secondSize.await(20, TimeUnit.SECONDS)).as("decoded 160x120 frames").isTrue();
                second.stop();
                t.join();
            }
        } finally {
            app.requestStop("test done");
            rx.setState(State.NULL);
            rx.dispose();
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(decodedBySize).containsKeys("320x240", "160x120");
        assertThat(app.stats().resets.get()).isGreaterThanOrEqualTo(1);
        assertThat(app.stats().restarts.get()).as("no pipeline rebuild").isZero();
        assertThat(ssrcs).as("one RTP session throughout").hasSize(1);
        List<Long> ts = new ArrayList<>(rtpTimestamps);
        assertThat(ts).hasSizeGreaterThan(20);
        for (int i = 1; i < ts.size(); i++) {
            long delta = (ts.get(i) - ts.get(i - 1)) & 0xFFFFFFFFL;
            assertThat(delta).as("RTP timestamp %d -> %d", ts.get(i - 1), ts.get(i)).isLessThan(0x80000000L);
        }
    }
}
