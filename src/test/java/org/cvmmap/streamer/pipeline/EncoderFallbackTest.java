package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.support.Streamers;
import org.cvmmap.streamer.testers.RtpReceiverTester;
import org.cvmmap.streamer.util.ExitCodes;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Encoder selection with a stand-in "hardware" encoder: it reaches PLAYING and negotiates H.264 caps
 * but swallows every frame, as a broken NVENC session would.
 */
class EncoderFallbackTest {
    private static final EncoderSpec SWALLOWING_NVENC = new EncoderSpec("nvh264enc",
            "x264enc name=enc tune=zerolatency speed-preset=ultrafast key-int-max=${gop} ! identity drop-probability=1.0",
            true, "I420");
    /** Pretends nvh264enc is installed; everything else as the registry says. */
    private static final Predicate<String> WITH_STANDIN = f -> f.equals("nvh264enc") || GstRuntime.hasElement(f);

    private static StreamerConfig.Builder config(String device, int port) {
        return StreamerConfig.builder().inputMode("dummy")
                .dummyLabel("fallback-" + device + "-" + ProcessHandle.current().pid())
                .dummyWidth(320).dummyHeight(240).dummyFps(60).codec("h264").encoderDevice(device)
                .hardwareEncoders(List.of(SWALLOWING_NVENC)).rtp(true).rtpEndpoint("127.0.0.1:" + port)
                .statusIntervalMs(0);
    }

    @Test
    void autoFallsBackToX264AfterSixtyFramesWithoutOutput() throws Exception {
        int port = Streamers.freeUdpPort();
        StreamerApp app = new StreamerApp(config("auto", port).build(), WITH_STANDIN);
        RtpReceiverTester rx = new RtpReceiverTester(new RtpReceiverTester.Settings("127.0.0.1", port, 96, 50, 30_000, 0));
        CompletableFuture<Integer>[] exit = new CompletableFuture[1];
        rx.onBound(() -> exit[0] = Streamers.start(app));
        RtpReceiverTester.Result r;
        try {
            r = rx.run();
        } finally {
            app.requestStop("test done");
        }
        assertThat(r.exitCode()).isZero();
        assertThat(exit[0].get(30, TimeUnit.SECONDS)).isZero();
        assertThat(app.stats().encoder()).isEqualTo("x264enc");
        assertThat(app.stats().encoderReason()).isEqualTo("nvh264enc: no access unit after 60 input frames");
        assertThat(app.stats().restarts.get()).isEqualTo(1);
    }

    @Test
    void nvidiaNeverFallsBackAndExitsFive() throws Exception {
        StreamerApp app = new StreamerApp(config("nvidia", Streamers.freeUdpPort()).build(), WITH_STANDIN);
        assertThat(Streamers.start(app).get(60, TimeUnit.SECONDS)).isEqualTo(ExitCodes.PIPELINE_INIT);
        assertThat(app.stats().encoder()).isEqualTo("nvh264enc");
        assertThat(app.stats().framesPushed.get()).isGreaterThanOrEqualTo(60);
    }

    @Test
    void nvidiaWithoutNvencInstalledExitsFive() throws Exception {
        assumeFalse(GstRuntime.hasElement("nvh264enc") || GstRuntime.hasElement("nvcudah264enc"),
                "this machine has NVENC");
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputMode("dummy")
                .dummyLabel("nonv-" + ProcessHandle.current().pid()).dummyWidth(320).dummyHeight(240)
                .codec("h264").encoderDevice("nvidia").rtp(true).rtpEndpoint("127.0.0.1:9").statusIntervalMs(0).build());
        assertThat(Streamers.start(app).get(30, TimeUnit.SECONDS)).isEqualTo(ExitCodes.PIPELINE_INIT);
    }
}
