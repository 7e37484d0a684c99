package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.support.Streamers;
import org.cvmmap.streamer.util.ExitCodes;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class IngestIdleTimeoutTest {

    /** No producer at all: the streamer waits for one, then gives up with 124 after the idle limit. */
    @Test
    void exits124WhenNoFrameArrivesWithinTheLimit() throws Exception {
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputUri("absent-" + ProcessHandle.current().pid())
                .codec("h264").rtp(true).rtpEndpoint("127.0.0.1:9").ingestIdleTimeoutMs(300).statusIntervalMs(0).build());
        long t0 = System.nanoTime();
        assertThat(Streamers.start(app).get(30, TimeUnit.SECONDS)).isEqualTo(ExitCodes.TIMEOUT);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(300);
        assertThat(app.stats().framesIn.get()).isZero();
    }
}
