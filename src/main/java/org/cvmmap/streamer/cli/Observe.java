package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.observe.ObserveServer;
import org.cvmmap.streamer.observe.StreamView;
import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.util.HostPort;

/**
 * {@code --http-listen} of a process: the {@link ObserveServer} when one is configured and could be
 * bound, else nothing (every call does nothing).
 */
final class Observe implements AutoCloseable {
    private final ObserveServer server;

    private Observe(ObserveServer server) {
        this.server = server;
    }

    /**
     * @param listen {@code HOST:PORT} or {@code off}
     * @throws ConfigException naming {@code --http-listen} when it is neither (exit code 2; see {@link HostPort#parse})
     */
    static Observe start(String listen) {
        if (listen == null || listen.equals("off")) {
            return new Observe(null);
        }
        HostPort at = HostPort.parse("--http-listen", listen, 0);
        return new Observe(ObserveServer.start(at.host(), at.port()));
    }

    /** Measures a stream while it runs. @return removes it again */
    Runnable add(StreamView s) {
        return server == null ? () -> { } : server.add(s);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
