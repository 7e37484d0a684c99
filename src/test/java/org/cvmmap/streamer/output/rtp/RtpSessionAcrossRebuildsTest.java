package org.cvmmap.streamer.output.rtp;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A receiver sees one RTP session through pipeline rebuilds (issue 12): the packets of 4 graphs
 * (3 restarts) carry one SSRC, sequence numbers without a gap, and timestamps that never go back.
 * Before, every rebuild started a new random SSRC, sequence number and timestamp base.
 */
class RtpSessionAcrossRebuildsTest {
    private record Packet(long ssrc, int seq, long timestamp) {
    }

    @Test
    void oneSsrcContinuousSequenceAndMonotonicTimestampsOverThreeRebuilds() throws Exception {
        GstRuntime.init();
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout(200);
            socket.setReceiveBufferSize(4 << 20);
            List<Packet> packets = new ArrayList<>();
            CompletableFuture<Void> receiving = Streamers.onThread("rtp-collect", () -> {
                byte[] buf = new byte[65536];
                DatagramPacket dp = new DatagramPacket(buf, buf.length);
                while (!Thread.currentThread().isInterrupted() && !socket.isClosed()) {
                    try {
                        socket.receive(dp);
                    } catch (SocketTimeoutException e) {
                        continue;
                    } catch (java.net.SocketException e) {
                        break; // closed
                    }
                    RtpHeader h = RtpHeader.decode(buf, dp.getLength());
                    synchronized (packets) {
                        packets.add(new Packet(h.ssrc(), h.sequence(), h.timestamp()));
                        packets.notifyAll();
                    }
                }
                return null;
            });
            StreamerApp app = new StreamerApp(StreamerConfig.builder().inputMode("dummy")
                    .dummyLabel("rtpsess-" + ProcessHandle.current().pid()).dummyWidth(320).dummyHeight(240)
                    .dummyFps(30).codec("h264").rtp(true).rtpEndpoint("127.0.0.1:" + socket.getLocalPort())
                    .statusIntervalMs(0).nats(false).build());
            AtomicReference<CountDownLatch> started = new AtomicReference<>(new CountDownLatch(1));
            app.addTap((pipeline, gen) -> started.get().countDown());
            CompletableFuture<Integer> exit = Streamers.start(app);
            for (int i = 0; i < 3; i++) {
                assertThat(started.get().await(20, TimeUnit.SECONDS)).isTrue();
                awaitPackets(packets, 60); // this graph is sending
                started.set(new CountDownLatch(1));
                app.requestRestart("test restart " + i);
            }
            assertThat(started.get().await(20, TimeUnit.SECONDS)).isTrue();
            awaitPackets(packets, 60);
            app.requestStop("test done");
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            assertThat(app.stats().restarts.get()).isEqualTo(3);
            socket.close();
            receiving.get(5, TimeUnit.SECONDS);

            List<Packet> got;
            synchronized (packets) {
                got = List.copyOf(packets);
            }
            assertThat(got.stream().map(Packet::ssrc).distinct().toList()).as("one SSRC").hasSize(1);
            int gaps = 0;
            int backwards = 0;
            long unwrapped = got.get(0).timestamp();
            for (int i = 1; i < got.size(); i++) {
                Packet p = got.get(i - 1);
                Packet q = got.get(i);
                if (((p.seq() + 1) & 0xFFFF) != q.seq()) {
                    gaps++;
                }
                long delta = (q.timestamp() - p.timestamp()) & 0xFFFF_FFFFL;
                if (delta > 0x7FFF_FFFFL) {
                    backwards++; // a negative step modulo 2^32
                } else {
                    unwrapped += delta;
                }
            }
            System.out.printf("rtp session: %d packets over 4 graphs, ssrc=0x%08x, sequence gaps=%d, timestamp steps "
                    + "backwards=%d, span=%.2f s%n", got.size(), got.get(0).ssrc(), gaps, backwards,
                    (unwrapped - got.get(0).timestamp()) / 90_000.0);
            assertThat(gaps).as("sequence gaps (loopback: none lost)").isZero();
            assertThat(backwards).as("timestamps going back").isZero();
        }
    }

    private static void awaitPackets(List<Packet> packets, int more) throws InterruptedException {
        int target;
        synchronized (packets) {
            target = packets.size() + more;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        synchronized (packets) {
            while (packets.size() < target) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                assertThat(left).as(more + " more RTP packets within 20 s").isPositive();
                packets.wait(left);
            }
        }
    }
}
