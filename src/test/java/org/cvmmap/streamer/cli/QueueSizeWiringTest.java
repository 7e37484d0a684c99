package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --queue-size} reaches the latest-frame queue the running streamer uses (its policy, drop
 * the oldest, is {@code PurePipelineUnitsTest}'s): flags parsed as the CLI does, the app run, and the
 * status reports the capacity of the queue it built.
 */
class QueueSizeWiringTest {
    @ParameterizedTest
    @CsvSource({"'', 1", "'--queue-size 3', 3", "'--queue-size 64', 64"})
    void theFlagSetsTheCapacityOfTheQueueTheStreamerRuns(String flag, int capacity) throws Exception {
        GstRuntime.init();
        StreamCommand cmd = new StreamCommand();
        String args = "--input-mode dummy --dummy-label qs-" + capacity + "-" + ProcessHandle.current().pid()
                + " --dummy-width 160 --dummy-height 120 --codec h264 --rtp --rtp-endpoint 127.0.0.1:"
                + Streamers.freeUdpPort() + " --no-nats --status-interval-ms 0 " + flag;
        new CommandLine(cmd).parseArgs(args.trim().split(" +"));
        StreamerApp app = new StreamerApp(cmd.toConfig());
        CountDownLatch built = new CountDownLatch(1);
        app.addTap((pipeline, gen) -> built.countDown());
        CompletableFuture<Integer> exit = Streamers.start(app);
        try {
            assertThat(built.await(20, TimeUnit.SECONDS)).isTrue();
            @SuppressWarnings("unchecked")
            Map<String, Object> queue = (Map<String, Object>) app.status().get("queue");
            assertThat(queue).containsEntry("capacity", capacity);
        } finally {
            app.requestStop("test done"); // and waited for even when an assertion failed: its SHM and socket go
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        }
    }
}
