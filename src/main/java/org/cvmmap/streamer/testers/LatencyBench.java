package org.cvmmap.streamer.testers;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.output.rtp.RtpHeader;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Publish → RTP-receive latency benchmark, all in one JVM so one monotonic clock serves all three:
 * the built-in producer records when each frame's sync is sent; the streamer (reading it through
 * the real cv-mmap path) reports each frame's PTS as it leaves appsrc; a UDP receiver records when
 * the last packet (marker bit) of each access unit arrives. The RTP timestamp is the payloader's
 * timestamp offset (read from the graph once the stream's RTP session has set it) + PTS × 90 kHz,
 * which ties every access unit to its frame.
 */
public final class LatencyBench {
    private static final Logger LOG = LogManager.getLogger(LatencyBench.class);

    /**
     * @param width      pixels
     * @param height     rows
     * @param fps        producer frame rate
     * @param seconds    measured duration
     * @param warmup     frames ignored at the start (pipeline build, encoder start)
     * @param codec      h264 or h265
     * @param descriptor pipeline descriptor with a payloader named "pay", or null for the streamer's own
     */
    public record Settings(int width, int height, int fps, int seconds, int warmup, String codec, Path descriptor) {
    }

    /**
     * @param samples access units matched to frames
     * @param p50Ms   median latency, ms
     * @param p99Ms   99th percentile, ms
     * @param maxMs   maximum, ms
     * @param dropped frames the streamer dropped (latest-frame policy)
     * @param torn    torn frames rejected
     */
    public record Result(int samples, double p50Ms, double p99Ms, double maxMs, long dropped, long torn) {
    }

    private final Settings s;

    public LatencyBench(Settings s) {
        this.s = s;
    }

    /**
     * Runs the benchmark.
     *
     * @throws IOException if the UDP port cannot be bound
     */
    public Result run() throws IOException, InterruptedException {
        CvmmapTarget target = CvmmapTarget.parse("latbench-" + ProcessHandle.current().pid());
        Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
        Map<Long, Long> frameByRtpTs = new ConcurrentHashMap<>();
        List<long[]> arrivals = Collections.synchronizedList(new ArrayList<>());
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            Thread rx = new Thread(() -> receive(ch, arrivals), "bench-rx");
            rx.setDaemon(true);
            rx.start();
            StreamerApp app = new StreamerApp(StreamerConfig.builder().inputUri(target.instance()).codec(s.codec())
                    .rtp(true).rtpEndpoint("127.0.0.1:" + port).pipelineFile(s.descriptor()).statusIntervalMs(0).build());
            // the stream's RTP session sets the payloader's timestamp offset (continued across rebuilds);
            // taps attach after it, so this one reads the offset the graph sends with
            java.util.concurrent.atomic.AtomicLong tsOffset = new java.util.concurrent.atomic.AtomicLong();
            app.addTap((pipeline, gen) -> {
                org.freedesktop.gstreamer.Element pay = pipeline.getElementByName("pay");
                if (pay != null) {
                    tsOffset.set(((Number) pay.get("timestamp-offset")).intValue() & 0xFFFFFFFFL);
                    pay.dispose();
                }
            });
            app.onPushed((frameId, pts) -> frameByRtpTs.put((rtpTicks(pts) + tsOffset.get()) & 0xFFFFFFFFL, frameId));
            Thread streamer = new Thread(app::run, "bench-streamer");
            try (DummyProducer producer = new DummyProducer(new DummyProducer.Settings(target, s.width(), s.height(),
                    s.fps(), (long) s.fps() * s.seconds() + s.warmup()))) {
                producer.onPublished(publishedAt::put);
                streamer.start();
                if (!producer.awaitSubscriber(10_000)) {
                    throw new IllegalStateException("streamer did not subscribe");
                }
                producer.run();
                Thread.sleep(500); // let the last access units arrive
            } finally {
                app.requestStop("benchmark done");
                streamer.join(10_000);
                ch.close();
                rx.join(2000);
            }
            List<Double> lat = new ArrayList<>();
            synchronized (arrivals) {
                for (long[] a : arrivals) {
                    Long frame = frameByRtpTs.get(a[0]);
                    if (frame == null || frame <= s.warmup()) {
                        continue;
                    }
                    Long pub = publishedAt.get(frame);
                    if (pub != null) {
                        lat.add((a[1] - pub) / 1e6);
                    }
                }
            }
            Collections.sort(lat);
            Result r = new Result(lat.size(), pct(lat, 0.50), pct(lat, 0.99), lat.isEmpty() ? 0 : lat.get(lat.size() - 1),
                    app.stats().dropped.get(), app.stats().torn.get());
            LOG.info("event=latency_result codec={} size={}x{} fps={} samples={} p50_ms={} p99_ms={} max_ms={} dropped={} torn={}",
                    s.codec(), s.width(), s.height(), s.fps(), r.samples(), fmt(r.p50Ms()), fmt(r.p99Ms()), fmt(r.maxMs()),
                    r.dropped(), r.torn());
            return r;
        }
    }

    /**
     * 90 kHz RTP ticks of a running time exactly as the payloader computes them
     * ({@code gst_util_uint64_scale_int(t, 90000, GST_SECOND)}, rounding down), without overflow.
     *
     * @param ns running time, ns (≥ 0)
     */
    static long rtpTicks(long ns) {
        return ns / 1_000_000_000L * 90_000 + ns % 1_000_000_000L * 90_000 / 1_000_000_000L;
    }

    private static void receive(DatagramChannel ch, List<long[]> arrivals) {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (ch.isOpen()) {
            buf.clear();
            try {
                ch.receive(buf);
            } catch (IOException e) {
                return; // closed
            }
            long now = System.nanoTime();
            if (buf.position() < RtpHeader.SIZE) {
                continue;
            }
            RtpHeader h = RtpHeader.decode(buf.array(), buf.position());
            if (h.marker()) {
                arrivals.add(new long[] {h.timestamp(), now});
            }
        }
    }

    private static double pct(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static String fmt(double v) {
        return String.format("%.2f", v);
    }
}
