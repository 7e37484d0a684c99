package org.cvmmap.streamer.output.rtp;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.support.Streamers;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.PadProbeReturn;
import org.freedesktop.gstreamer.PadProbeType;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The RTP output decodes in a plain GStreamer udpsrc → depayloader → libav decoder pipeline. */
class RtpGstreamerDecodeTest {

    @ParameterizedTest
    @CsvSource({"h264, H264", "h265, H265"})
    void decodesInGstreamer(String codec, String encodingName) throws Exception {
        GstRuntime.init();
        int port = Streamers.freeUdpPort();
        CountDownLatch decoded = new CountDownLatch(30);
        AtomicReference<String> size = new AtomicReference<>();
        Pipeline rx = (Pipeline) Gst.parseLaunch("udpsrc port=" + port + " caps=\"application/x-rtp,media=video,"
                + "clock-rate=90000,encoding-name=" + encodingName + ",payload=96\" ! rtp" + codec + "depay ! "
                + codec + "parse ! avdec_" + codec + " name=dec ! fakesink sync=false");
        rx.getElementByName("dec").getStaticPad("src").addProbe(PadProbeType.BUFFER, (pad, info) -> {
            Caps c = pad.getCurrentCaps();
            size.set(c.getStructure(0).getInteger("width") + "x" + c.getStructure(0).getInteger("height"));
            decoded.countDown();
            return PadProbeReturn.OK;
        });
        rx.play();
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputMode("dummy")
                .dummyLabel("gst-" + codec + "-" + ProcessHandle.current().pid()).dummyWidth(320).dummyHeight(240)
                .codec(codec).rtp(true).rtpEndpoint("127.0.0.1:" + port).statusIntervalMs(0).build());
        CompletableFuture<Integer> exit = Streamers.start(app);
        try {
            assertThat(decoded.await(30, TimeUnit.SECONDS)).as("30 frames decoded").isTrue();
        } finally {
            app.requestStop("test done");
            rx.setState(State.NULL);
            rx.dispose();
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(size.get()).isEqualTo("320x240");
    }
}
