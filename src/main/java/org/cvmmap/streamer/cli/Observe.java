package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.observe.ObserveServer;
import org.cvmmap.streamer.observe.StreamView;
import org.cvmmap.streamer.util.ConfigException;

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
     * @throws ConfigException naming {@code --http-listen} when it is neither (exit code 2)
     */
    static Observe start(String listen) {
        if (listen == null || listen.equals("off")) {
            return new Observe(null);
        }
        int colon = listen.lastIndexOf(':');
        int port;
        try {
            port = colon < 1 ? -1 : Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException("--http-listen", listen, "must be HOST:PORT (port 0..65535) or off");
        }
        return new Observe(ObserveServer.start(listen.substring(0, colon), port));
    }

    /** Measures a stream while it runs. @return removes it again */
    Runnable add(StreamView s) {
        return server == null ? () -> { } : server.add(s);
    }

    /** The bound port, or -1 when nothing listens. */
    int port() {
        return server == null ? -1 : server.port();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
