package org.cvmmap.streamer.support;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.testers.RtpReceiverTester;

import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs a {@link StreamerApp} on its own thread and helps tests wait on it. */
public final class Streamers {
    private Streamers() {
    }

    /** Starts {@code app.run()} on a new thread; the future completes with the exit code. */
    public static CompletableFuture<Integer> start(StreamerApp app) {
        return onThread("streamer-under-test", app::run);
    }

    /** Something to run that may throw. */
    @FunctionalInterface
    public interface Job<T> {
        T call() throws Exception;
    }

    /** Runs a job on a new daemon thread; the future completes with its result or its exception. */
    public static <T> CompletableFuture<T> onThread(String name, Job<T> job) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(job.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return f;
    }

    /**
     * Starts an RTP receiver on loopback that counts until its deadline, and waits until it is bound.
     *
     * @param port      UDP port
     * @param timeoutMs how long it receives, ms (it ends with exit 4 then: no threshold)
     */
    public static CompletableFuture<RtpReceiverTester.Result> rtpReceiver(int port, long timeoutMs)
            throws InterruptedException {
        RtpReceiverTester rtp = new RtpReceiverTester(new RtpReceiverTester.Settings("127.0.0.1", port, 96,
                Long.MAX_VALUE, timeoutMs, 0));
        CountDownLatch bound = new CountDownLatch(1);
        rtp.onBound(bound::countDown);
        CompletableFuture<RtpReceiverTester.Result> f = onThread("rtp-receiver", rtp::run);
        if (!bound.await(5, TimeUnit.SECONDS)) {
            throw new AssertionError("RTP receiver did not bind port " + port);
        }
        return f;
    }

    /** A TCP port free right now on loopback (nothing listens on it). */
    public static int freeTcpPort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A UDP port free right now on loopback. */
    public static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Waits until a file exists (the app writes its SDP first thing), failing after the deadline.
     *
     * @throws AssertionError if it did not appear
     */
    public static void awaitFile(Path p, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!Files.exists(p)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(p + " did not appear within " + timeoutMs + " ms");
            }
            Thread.sleep(10);
        }
    }

    /**
     * What an RTP receiver saw.
     *
     * @param packets  RTP packets
     * @param gaps     sequence numbers not one after the previous packet's
     * @param ssrcs    distinct SSRCs
     * @param maxStep  the largest RTP timestamp step between consecutive packets, 90 kHz ticks
     * @param units    access units (packets with the marker bit)
     */
    public record RtpDrain(long packets, long gaps, int ssrcs, long maxStep, long units) {
    }

    /** Reads every RTP packet already in a bound channel's buffer (after the sender stopped; loopback). */
    public static RtpDrain drainRtp(java.nio.channels.DatagramChannel ch) throws IOException {
        ch.configureBlocking(false);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(65536);
        long packets = 0;
        long gaps = 0;
        long maxStep = 0;
        long units = 0;
        int last = -1;
        long lastTs = -1;
        java.util.Set<Long> ssrcs = new java.util.HashSet<>();
        while (ch.receive(buf.clear()) != null) {
            org.cvmmap.streamer.output.rtp.RtpHeader h = org.cvmmap.streamer.output.rtp.RtpHeader.decode(buf.array(), buf.position());
            packets++;
            units += h.marker() ? 1 : 0;
            gaps += last >= 0 && h.sequence() != ((last + 1) & 0xFFFF) ? 1 : 0;
            if (lastTs >= 0) {
                maxStep = Math.max(maxStep, (h.timestamp() - lastTs) & 0xFFFFFFFFL);
            }
            last = h.sequence();
            lastTs = h.timestamp();
            ssrcs.add(h.ssrc());
        }
        return new RtpDrain(packets, gaps, ssrcs.size(), maxStep, units);
    }

    /** A UDP channel bound on 127.0.0.1:port with an 8 MiB receive buffer, to drain after the run. */
    public static java.nio.channels.DatagramChannel rtpSink(int port) throws IOException {
        java.nio.channels.DatagramChannel ch = java.nio.channels.DatagramChannel.open();
        ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 8 << 20);
        ch.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        return ch;
    }
}
