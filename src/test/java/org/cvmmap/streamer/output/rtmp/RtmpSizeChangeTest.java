package org.cvmmap.streamer.output.rtmp;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.support.Streamers;
import org.cvmmap.streamer.testers.FlvChecker;
import org.cvmmap.streamer.testers.RtmpStubTester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A producer restarting with another picture size mid-session (issue 12): the RTMP session goes on
 * with a new onMetaData and sequence header at the current time, and the received FLV passes
 * flv-check (tag times never go back).
 */
class RtmpSizeChangeTest {
    @Test
    void aSizeChangeReannouncesTheStreamWithoutGoingBackInTime(@TempDir Path dir) throws Exception {
        Path dump = dir.resolve("received.flv");
        CvmmapTarget target = CvmmapTarget.parse("rtmpsize-" + ProcessHandle.current().pid());
        RtmpStubTester stub = new RtmpStubTester(new RtmpStubTester.Settings(VideoPackaging.AVC, "127.0.0.1", 0, 150,
                60_000, dump));
        AtomicReference<StreamerApp> app = new AtomicReference<>();
        AtomicReference<CompletableFuture<Integer>> exit = new AtomicReference<>();
        stub.onListening(port -> {
            app.set(new StreamerApp(StreamerConfig.builder().inputUri(target.instance()).codec("h264").rtmp(true)
                    .rtmpUrl("rtmp://127.0.0.1:" + port + "/live/size").statusIntervalMs(0).nats(false).build()));
            exit.set(Streamers.start(app.get()));
        });
        CompletableFuture<RtmpStubTester.Result> received = Streamers.onThread("stub", stub::run);
        for (int[] size : new int[][]{{320, 240, 75}, {160, 120, 100}}) {
            try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, size[0], size[1], 30, size[2]))) {
                p.run(); // size[2] frames at 30 fps, then it unlinks its objects: a producer restart
            }
        }
        RtmpStubTester.Result r = received.get(60, TimeUnit.SECONDS);
        app.get().requestStop("test done");
        assertThat(exit.get().get(30, TimeUnit.SECONDS)).isZero();
        assertThat(r.exitCode()).as(r.reason()).isZero();
        assertThat(r.sequenceStarts()).as("re-announced once").isEqualTo(2);
        FlvChecker.Report check = FlvChecker.check(Files.readAllBytes(dump), VideoPackaging.AVC);
        System.out.println("size change: " + check.lines().stream().filter(l -> !l.contains("CODED_FRAME key=false"))
                .toList());
        assertThat(check.exitCode()).as(check.problem()).isZero();
    }
}
