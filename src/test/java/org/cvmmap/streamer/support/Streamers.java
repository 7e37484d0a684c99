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
}
