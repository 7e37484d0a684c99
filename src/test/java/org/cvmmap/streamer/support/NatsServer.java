package org.cvmmap.streamer.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code nats-server} (Debian package) on a free loopback port, started and stopped by the
 * test. Readiness is its own "Server is ready" log line, not a sleep.
 */
public final class NatsServer implements AutoCloseable {
    private final int port;
    private final List<String> extraArgs;
    private final Map<String, String> env;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private Process process;

    private NatsServer(int port) {
        this(port, List.of(), Map.of());
    }

    private NatsServer(int port, List<String> extraArgs, Map<String, String> env) {
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.env = Map.copyOf(env);
    }

    /**
     * Starts a server on a free port with more arguments (a {@code -c} configuration, TLS flags) and
     * environment variables (the configuration's {@code $VARIABLES}: passwords stay out of files).
     */
    public static NatsServer start(List<String> extraArgs, Map<String, String> env) throws IOException,
            InterruptedException {
        NatsServer n = new NatsServer(freePort(), extraArgs, env);
        n.launch();
        return n;
    }

    /** Its port. */
    public int port() {
        return port;
    }

    /** What it has printed so far (its log). */
    public List<String> output() {
        return List.copyOf(output);
    }

    /** Starts a server on a free port. */
    public static NatsServer start() throws IOException, InterruptedException {
        NatsServer n = new NatsServer(Streamers.freeTcpPort());
        n.launch();
        return n;
    }

    /** A free loopback port with nothing listening (for "no server yet" cases). */
    public static int freePort() throws IOException {
        return Streamers.freeTcpPort();
    }

    /** A server on {@code port} with more arguments (e.g. {@code --user}/{@code --pass}). */
    public static NatsServer on(int port, List<String> extraArgs) throws IOException, InterruptedException {
        NatsServer n = new NatsServer(port, extraArgs, Map.of());
        n.launch();
        return n;
    }

    /** A server that will listen on {@code port} (for a streamer started before its server). */
    public static NatsServer on(int port) throws IOException, InterruptedException {
        NatsServer n = new NatsServer(port);
        n.launch();
        return n;
    }

    private void launch() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("nats-server", "-a", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        process = pb.start();
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
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
