package org.cvmmap.streamer.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code nats-server} (Debian package) on a free loopback port, started and stopped by the
 * test. Readiness is its own "Server is ready" log line, not a sleep.
 */
public final class NatsServer implements AutoCloseable {
    private final int port;
    private Process process;

    private NatsServer(int port) {
        this.port = port;
    }

    /** Starts a server on a free port. */
    public static NatsServer start() throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        NatsServer n = new NatsServer(port);
        n.launch();
        return n;
    }

    /** A free loopback port with nothing listening (for "no server yet" cases). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A server that will listen on {@code port} (for a streamer started before its server). */
    public static NatsServer on(int port) throws IOException, InterruptedException {
        NatsServer n = new NatsServer(port);
        n.launch();
        return n;
    }

    private void launch() throws IOException, InterruptedException {
        process = new ProcessBuilder("nats-server", "-a", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).start();
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.contains("Server is ready")) {
                        ready.complete(true);
                    }
                }
            } catch (IOException e) {
                // process ended
            }
            ready.complete(false);
        }, "nats-server-" + port);
        reader.setDaemon(true);
        reader.start();
        try {
            if (!ready.get(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("nats-server on port " + port + " exited before it was ready");
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            stop();
            throw new IllegalStateException("nats-server on port " + port + " not ready in 10 s", e);
        }
    }

    /** {@code nats://127.0.0.1:PORT}. */
    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it. */
    public void stop() throws InterruptedException {
        if (process != null) {
            NativePeer.stop(process);
        }
    }

    /** Stops and starts it again on the same port. */
    public void restart() throws IOException, InterruptedException {
        stop();
        launch();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
