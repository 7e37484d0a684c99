package org.cvmmap.streamer.support;

import org.cvmmap.streamer.StreamerApp;

import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a {@link StreamerApp} on its own thread and helps tests wait on it. */
public final class Streamers {
    private Streamers() {
    }

    /** Starts {@code app.run()} on a new thread; the future completes with the exit code. */
    public static CompletableFuture<Integer> start(StreamerApp app) {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(app.run());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "streamer-under-test");
        t.setDaemon(true);
        t.start();
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
