package org.cvmmap.streamer.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvmmap.streamer.config.NatsConfig;
import org.cvmmap.streamer.support.ChildStreamer;
import org.cvmmap.streamer.support.NatsServer;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No denial of service by {@code restart} requests (issue 11): 2,000 of them against a streamer
 * running under {@code ulimit -n 256} (a real nats-server, the streamer in its own JVM). Requests
 * arriving during a rebuild coalesce into it; each disposed graph gives its descriptors back at
 * once, not at the next GC. Before the fix the process aborted after ~224 restarts
 * ({@code GLib-ERROR … Too many open files}, exit 133).
 */
class RestartFloodTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int REQUESTS = 2000;

    @Test
    void twoThousandRestartsUnderUlimit256KeepTheProcessUpAndItsDescriptorsFlat() throws Exception {
        try (NatsServer nats = NatsServer.start();
             ChildStreamer s = ChildStreamer.start(Map.of(), 256, "--input-mode", "dummy", "--dummy-width", "320",
                     "--dummy-height", "240", "--codec", "h264", "--rtp", "--rtp-endpoint",
                     "127.0.0.1:" + Streamers.freeUdpPort(), "--nats-url", nats.url(), "--status-interval-ms", "0");
             ControlClient client = ControlClient.connect(NatsConfig.of(nats.url(), null, null, null, null, false,
                     null, null, 1000))) {
            s.await("event=nats_service_started", 0, 30_000);
            s.await("event=encoder_confirmed", 0, 30_000);
            // warm up: the first rebuild allocates what stays for the life of the process (plugin
            // state, thread pools), then the baseline
            client.request("cvmmap_dummy", "restart", new byte[0], Duration.ofSeconds(5));
            s.await("event=encoder_confirmed key=\\S+ gen=2", 0, 30_000);
            int baseline = s.openFds();
            long encodedBefore = encoded(client);
            // 100 requests a second for 20 s: about one rebuild per second (the rest merged into them), so
            // ~20 graphs are built and disposed while the flood goes on
            long t0 = System.nanoTime();
            for (int i = 0; i < REQUESTS; i++) {
                long due = t0 + i * 10_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L)); // the load's pace, not a wait for a state
                }
                ControlClient.Reply r = client.request("cvmmap_dummy", "restart", new byte[0], Duration.ofSeconds(5));
                assertThat(r.failed()).as("request " + i + ": " + r.error()).isFalse();
            }
            // the flood is answered; the last coalesced rebuild ends with a confirmed encoder
            int mark = s.lines().size();
            s.await("event=encoder_confirmed", mark, 30_000);
            long encodedAfter = encoded(client);
            JsonNode status = status(client);
            int after = s.openFds();
            System.out.printf("restart flood: requests=%d rebuilds=%d fds baseline=%d after=%d by kind=%s "
                    + "encoded before=%d after=%d%n", REQUESTS, status.path("restarts").asLong(), baseline, after,
                    s.fdKinds(), encodedBefore, encodedAfter);
            assertThat(s.alive()).as("process up").isTrue();
            assertThat(encodedAfter).as("the stream goes on").isGreaterThan(encodedBefore);
            assertThat(status.path("restarts").asLong()).as("rebuilds during the flood").isBetween(10L, 40L);
            assertThat(after).as("open descriptors after the flood vs. baseline").isLessThanOrEqualTo(baseline + 10);
            assertThat(s.count("GLib-ERROR")).isZero();
            assertThat(s.stop()).isZero();
        }
    }

    private static JsonNode status(ControlClient c) throws Exception {
        ControlClient.Reply r = c.request("cvmmap_dummy", "status", new byte[0], Duration.ofSeconds(5));
        return JSON.readTree(r.body());
    }

    private static long encoded(ControlClient c) throws Exception {
        return status(c).path("frames").path("encoded").asLong();
    }
}
