package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.Streamers;
import org.cvmmap.streamer.util.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bus errors make the supervisor rebuild the pipeline with bounded back-off, and a pipeline that
 * keeps failing soon after each start ends the run with exit 6 once --max-restarts is spent.
 */
class SupervisorRestartTest {

    @Test
    void rebuildsAfterBusErrorsThenGivesUpWithExitSix(@TempDir Path dir) throws Exception {
        // Every build fails after 20 access units (~0.3 s at 60 fps): a crash loop.
        Path descriptor = dir.resolve("failing.pipeline");
        Files.writeString(descriptor, """
                # test: errors after 20 access units
                appsrc name=src format=time is-live=true do-timestamp=true block=true max-buffers=1 caps="${caps}"
                  ! videoconvert ! video/x-raw,format=${encoder_format} ! ${encoder}
                  ! h264parse name=parse ! identity error-after=20 ! fakesink sync=false
                """);
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputMode("dummy")
                .dummyLabel("restart-" + ProcessHandle.current().pid()).dummyWidth(320).dummyHeight(240).dummyFps(60)
                .codec("h264").pipelineFile(descriptor).maxRestarts(3).restartBackoffMs(20, 80)
                .statusIntervalMs(0).build());
        int exit = Streamers.start(app).get(60, TimeUnit.SECONDS);
        assertThat(exit).isEqualTo(ExitCodes.RUNTIME);
        assertThat(app.stats().restarts.get()).isEqualTo(3);
        // Each of the 4 builds encoded its 20 access units before failing: the stream was rebuilt each time.
        assertThat(app.stats().accessUnits.get()).isGreaterThanOrEqualTo(4 * 20);
        assertThat(app.stats().encoder()).isEqualTo("x264enc");
    }

    @Test
    void aStopDuringTheBackOffEndsTheRunWithZeroWithoutAnotherBuild(@TempDir Path dir) throws Exception {
        Path descriptor = dir.resolve("failing.pipeline");
        Files.writeString(descriptor, """
                # test: errors after 5 access units
                appsrc name=src format=time is-live=true do-timestamp=true block=true max-buffers=1 caps="${caps}"
                  ! videoconvert ! video/x-raw,format=${encoder_format} ! ${encoder}
                  ! h264parse name=parse ! identity error-after=5 ! fakesink sync=false
                """);
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputMode("dummy")
                .dummyLabel("backoff-" + ProcessHandle.current().pid()).dummyWidth(320).dummyHeight(240).dummyFps(60)
                .codec("h264").pipelineFile(descriptor).maxRestarts(100).restartBackoffMs(60_000, 60_000)
                .statusIntervalMs(0).build());
        try (LogCapture log = LogCapture.open()) {
            var exit = Streamers.start(app);
            assertThat(log.await(30_000, "event=pipeline_restart_scheduled", "backoff_ms=60000")).isTrue();
            app.requestStop("signal");
            // the 60 s back-off is cut short: a signal while waiting to rebuild is a clean stop
            assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(ExitCodes.OK);
            assertThat(log.count("event=pipeline_starting")).as("no build after the stop").isEqualTo(1);
            assertThat(log.lines()).anyMatch(l -> l.contains("event=stop") && l.contains("during_backoff=true"));
        }
    }
}
